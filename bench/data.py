"""Generate N articles quickly: the demo bodies rendered once, inserted in bulk."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.billing.grants import grant_to_user
from portal.content import demo, editorial, importer
from portal.content.models import Article, Author, Category, Tag, article_tags
from portal.content.rendering import render_article
from portal.extensions import db
from portal.timeutil import utcnow

ACCESS = ("public", "members", "paid")
TAG_POOL = 200
TAGS_PER_ARTICLE = 6


def generate(count: int, teaser_chars: int) -> dict[str, str]:
    """Insert `count` published articles; returns a public, a members and a paid slug."""
    rng = random.Random(5000)
    editorial.ensure_categories()
    importer.import_authors(demo.DEMO_DIR / "authors.yml")
    sources = [importer.parse_file(Path(p)) for p in sorted(demo.DEMO_DIR.glob("*.md"))]
    rendered = [(meta, render_article(body, teaser_chars), body) for meta, body in sources]
    categories = list(db.session.scalars(select(Category.id)))
    authors = list(db.session.scalars(select(Author.id)))
    db.session.execute(
        insert(Tag), [{"id": n, "slug": f"emne-{n}", "name": f"emne {n}"} for n in range(1, 201)]
    )
    now = utcnow()
    rows, links = [], []
    for n in range(1, count + 1):
        meta, r, body = rendered[n % len(rendered)]
        rows.append(
            {
                "id": n,
                "slug": f"{meta['slug']}-{n}",
                "title": f"{meta['title']} ({n})",
                "lede": meta.get("lede", ""),
                "access": ACCESS[n % 3],
                "status": "published",
                "featured": n % 50 == 0,
                "category_id": rng.choice(categories),
                "author_id": rng.choice(authors),
                "published_at": now - timedelta(hours=n),
                "created_at": now,
                "updated_at": now,
                "reading_minutes": r.reading_minutes,
                "teaser_html": r.teaser_html,
                "teaser_text": r.teaser_text,
                "teaser_toc": r.teaser_toc,
                "body_md": body,
                "body_html": r.body_html,
                "body_text": r.body_text,
                "body_toc": r.body_toc,
            }
        )
        for tag in rng.sample(range(1, TAG_POOL + 1), TAGS_PER_ARTICLE):
            links.append({"article_id": n, "tag_id": tag})
    for start in range(0, len(rows), 500):
        db.session.execute(insert(Article), rows[start : start + 500])
    db.session.execute(insert(article_tags), links)
    for table in ("articles", "tags"):
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        db.session.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    return {access: rows[i]["slug"] for i, access in ((2, "public"), (0, "members"), (1, "paid"))}


def subscriber(password: str) -> User:
    user = accounts_service.create_user(
        "abonnent@bench.example", "Abonnent", password, verified=True
    )
    grant_to_user(user, "benchmark")
    db.session.commit()
    return user

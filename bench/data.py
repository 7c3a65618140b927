"""Generate N distinct articles quickly, and the bench's readers (subscriber, member, org seat).

Every article gets its own text: sentences drawn from the demo articles' vocabulary with a
Zipf-like word frequency (common words common, rare words rare), so search sees realistic
posting lists and per-row vectors instead of 15 texts cloned. Rendered with the real
render_article, inserted in bulk, then VACUUM ANALYZE (GIN pending lists flushed, visibility
map set) as autovacuum would eventually do.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.billing.grants import grant_to_org, grant_to_user
from portal.content import demo, editorial, importer
from portal.content.models import Article, Author, Category, Tag, article_tags
from portal.content.rendering import render_article
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.timeutil import utcnow

ACCESS = ("public", "members", "paid")
TAG_POOL = 200
TAGS_PER_ARTICLE = 6


class Writer:
    """Sentences from the demo texts' words, each word as often as its rank suggests."""

    def __init__(self, sources: list[str], rng: random.Random) -> None:
        counts: dict[str, int] = {}
        for source in sources:
            for word in re.findall(r"[a-zæøåé]{3,}", source.lower()):
                counts[word] = counts.get(word, 0) + 1
        self.words = sorted(counts, key=lambda w: -counts[w])
        self.weights = [1.0 / (rank + 1) for rank in range(len(self.words))]
        self.rng = rng

    def sentence(self, low: int = 7, high: int = 18) -> str:
        words = self.rng.choices(self.words, self.weights, k=self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(3, 6)))

    def body(self) -> str:
        parts = [self.paragraph(), self.paragraph(), "<!-- paywall -->"]
        for _ in range(self.rng.randint(3, 5)):
            parts.append("## " + self.sentence(2, 5).rstrip("."))
            parts.extend(self.paragraph() for _ in range(self.rng.randint(2, 4)))
        return "\n\n".join(parts) + "\n"


def generate(count: int, teaser_chars: int) -> list[str]:
    """Insert `count` published articles; returns five rarer words of their vocabulary."""
    rng = random.Random(5000)
    editorial.ensure_categories()
    importer.import_authors(demo.DEMO_DIR / "authors.yml")
    sources = [importer.parse_file(Path(p)) for p in sorted(demo.DEMO_DIR.glob("*.md"))]
    writer = Writer([body for _, body in sources], rng)
    categories = list(db.session.scalars(select(Category.id)))
    authors = list(db.session.scalars(select(Author.id)))
    db.session.execute(
        insert(Tag), [{"id": n, "slug": f"emne-{n}", "name": f"emne {n}"} for n in range(1, 201)]
    )
    now = utcnow()
    rows, links = [], []
    for n in range(1, count + 1):
        body = writer.body()
        r = render_article(body, teaser_chars)
        title = writer.sentence(3, 7).rstrip(".")
        rows.append(
            {
                "id": n,
                "slug": f"artikkel-{n}",
                "title": title,
                "lede": writer.sentence(12, 24),
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
    rare = [w for w in writer.words[len(writer.words) // 2 :] if len(w) > 6]
    return rare[:: max(1, len(rare) // 5)][:5]


def vacuum(url: str) -> None:
    """VACUUM ANALYZE outside a transaction, as autovacuum would after a bulk load."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def readers(password: str) -> dict[str, User]:
    """A subscriber (complimentary grant), a free member, and a seat in an organisation with
    access (an organisation grant) and a second organisation, for the header switcher."""
    subscriber = accounts_service.create_user(
        "abonnent@bench.example", "Abonnent", password, verified=True
    )
    grant_to_user(subscriber, "benchmark")
    member = accounts_service.create_user("medlem@bench.example", "Medlem", password, verified=True)
    seat = accounts_service.create_user("sete@bench.example", "Sete", password, verified=True)
    for slug, name in (("bench-as", "Bench AS"), ("annen-as", "Annen AS")):
        owner = accounts_service.create_user(
            f"eier@{slug}.example", "Eier", password, verified=True
        )
        org = orgs_service.create_organization(owner, name, slug, f"faktura@{slug}.example")
        org.trial_ends_at = None
        with scoping.org_scope(org):
            orgs_service.add_member(org, seat, "member", None, "member.added", None)
        if slug == "bench-as":
            grant_to_org(org, "benchmark")
    db.session.commit()
    return {"subscriber": subscriber, "member": member, "seat": seat}

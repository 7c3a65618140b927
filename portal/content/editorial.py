"""Writing articles, categories and authors: validate, render at save time, keep revisions,
publish, schedule; each write is audited and drops cached pages (two separate steps)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.content import search
from portal.content.models import (
    ACCESS_CHOICES,
    Article,
    ArticleLink,
    ArticleRevision,
    Author,
    Category,
    ContentAudit,
    Tag,
)
from portal.content.pagecache import content_changed, drop_local
from portal.content.rendering import render_article, slugify, strip_text
from portal.extensions import db
from portal.refused import Refused
from portal.timeutil import utcnow

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# slug, Norwegian name, English name
CATEGORIES = (
    ("strategisk-planlegging", "Strategisk planlegging", "Strategic planning"),
    ("ikt-strategi", "IKT-strategi", "IT strategy"),
    ("digitalisering", "Digitalisering", "Digitalisation"),
    ("ledelse", "Ledelse", "Leadership"),
    ("markedsforing", "Markedsføring", "Marketing"),
)


class ContentError(Refused):
    """Input that cannot be saved; `errors` maps a field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)


@dataclass
class ArticleInput:
    """What an editor (or an imported file) supplies for an article."""

    title: str
    slug: str
    category: str
    access: str
    body_md: str
    lede: str = ""
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    featured: bool = False
    related: list[str] = field(default_factory=list)


_LISTENING = "content.clears_pages_on_commit"
_CONTENT_CHANGED = "content.changed"


def _clear_pages_if_changed(session: Session) -> None:
    if session.info.pop(_CONTENT_CHANGED, False):
        content_changed(current_app.config.get("REDIS_URL"))


def pages_changed() -> None:
    """Drop cached reader pages and kept fragments after a content write: now, and again once
    the change is committed (a reader in another thread may have cached the old page in
    between)."""
    drop_local()
    session = db.session()
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _clear_pages_if_changed)
    session.info[_CONTENT_CHANGED] = True


def audit(
    actor: User | None, action: str, article: Article | None = None, detail: str = ""
) -> None:
    """Record who did what to the content (each write function of this module calls it)."""
    db.session.add(
        ContentAudit(
            actor_id=actor.id if actor else None,
            action=action,
            article_id=article.id if article else None,
            detail=detail[:2000],
        )
    )


def ensure_categories(actor: User | None = None) -> list[Category]:
    """The five standard categories exist, each with an English name (idempotent; each one
    created is audited; an editor's own English name is kept)."""
    existing = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (slug, name, name_en) in enumerate(CATEGORIES):
        if slug not in existing:
            existing[slug] = Category(slug=slug, name=name, position=position)
            db.session.add(existing[slug])
            audit(actor, "category", None, slug)
            pages_changed()
        if not existing[slug].name_en:
            existing[slug].name_en = name_en
    db.session.flush()
    return list(existing.values())


def upsert_author(
    slug: str,
    name: str,
    bio: str = "",
    photo_url: str | None = None,
    actor: User | None = None,
) -> Author:
    """Create or update an author by slug; name and bio are stored as plain text. A change
    is audited (as "author") and drops cached pages; the same values again change nothing."""
    slug = slug.strip()
    errors = {}
    if not SLUG_RE.match(slug):
        errors["slug"] = _("Ugyldig adresse: bruk små bokstaver, tall og bindestrek.")
    name = strip_text(name)
    if not name:
        errors["name"] = _("Navn må fylles ut.")
    if photo_url and not re.match(r"^(https?://|/)[^\x00-\x20\x7f]*$", photo_url):
        errors["photo_url"] = _("Bildeadressen må begynne med https:// eller /.")
    if errors:
        raise ContentError(errors)
    author = db.session.scalar(select(Author).where(Author.slug == slug))
    if author is None:
        author = Author(slug=slug)
        db.session.add(author)
    values = (name, strip_text(bio), photo_url or None)
    if (author.name, author.bio, author.photo_url) != values:
        author.name, author.bio, author.photo_url = values
        audit(actor, "author", None, slug)
        pages_changed()
    db.session.flush()
    return author


def _tags(names: list[str]) -> list[Tag]:
    wanted: dict[str, str] = {}
    for raw in names:
        name = strip_text(str(raw))[:80]
        # Folding æ to "ae" can make the slug longer than the name: keep it within its column.
        slug = slugify(name)[:80].strip("-")
        if name and slug:
            wanted.setdefault(slug, name)
    if not wanted:
        return []
    found = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))}
    for slug, name in wanted.items():
        if slug not in found:
            found[slug] = Tag(slug=slug, name=name)
            db.session.add(found[slug])
    return [found[s] for s in wanted]


def _by_slug(model: type[Category] | type[Author] | type[Article], slug: str) -> Any:
    # A value that cannot be a slug (a NUL byte the database would refuse) is simply unknown.
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        return None
    return db.session.scalar(select(model).where(model.slug == slug))


def validate(data: ArticleInput, article: Article | None = None) -> dict[str, object]:
    """Check the input; raise ContentError naming every bad field, before anything is written."""
    errors: dict[str, str] = {}
    title = strip_text(data.title)
    if not title:
        errors["title"] = _("Tittel må fylles ut.")
    elif len(title) > 200:
        errors["title"] = _("Tittelen kan være høyst 200 tegn.")
    # An empty address is made from the title (æ, ø, å folded), as the editor's page shows.
    slug = (data.slug or "").strip() or slugify(title)[:120].strip("-")
    if not SLUG_RE.match(slug) or len(slug) > 120:
        errors["slug"] = _("Ugyldig adresse: bruk små bokstaver, tall og bindestrek.")
    else:
        other = db.session.scalar(select(Article.id).where(Article.slug == slug))
        if other is not None and (article is None or other != article.id):
            errors["slug"] = _("Adressen er allerede i bruk av en annen artikkel.")
    category = _by_slug(Category, data.category)
    if category is None:
        errors["category"] = _("Ukjent kategori.")
    if data.access not in ACCESS_CHOICES:
        errors["access"] = _("Tilgang må være åpen for alle, for medlemmer eller for abonnenter.")
    author = None
    if data.author:
        author = _by_slug(Author, data.author)
        if author is None:
            errors["author"] = _("Ukjent forfatter.")
    related: list[Article] = []
    for target in data.related:
        found = _by_slug(Article, target)
        if found is None or found is article:
            errors["related"] = _("Ukjent artikkel i «les mer»: %(slug)s", slug=target)
        else:
            related.append(found)
    if errors:
        raise ContentError(errors)
    return {
        "title": title,
        "slug": slug,
        "category": category,
        "author": author,
        "related": related,
    }


def save_article(data: ArticleInput, actor: User | None, article: Article | None = None) -> Article:
    """Create or update an article. The previous title, lede and body are kept as a revision;
    both HTML parts are rendered now, never per request."""
    checked = validate(data, article)
    created = article is None
    changed = created
    if article is None:
        article = Article(status="draft")
        db.session.add(article)
    else:
        before = metadata_of(input_from(article))
        after = metadata_of(data) | {"slug": checked["slug"]}
        changed = (article.title, article.lede, article.body_md, before) != (
            checked["title"],
            strip_text(data.lede),
            data.body_md.replace("\x00", ""),
            after,
        )
        if changed:
            db.session.add(
                ArticleRevision(
                    article_id=article.id,
                    title=article.title,
                    lede=article.lede,
                    body_md=article.body_md,
                    meta=before,
                    created_by_id=actor.id if actor else None,
                )
            )
    rendered = render_article(data.body_md, current_app.config["TEASER_MAX_CHARS"])
    article.title = checked["title"]  # type: ignore[assignment]
    article.slug = checked["slug"]  # type: ignore[assignment]
    article.category = checked["category"]  # type: ignore[assignment]
    article.author = checked["author"]  # type: ignore[assignment]
    article.lede = strip_text(data.lede)
    article.access = data.access
    article.featured = data.featured
    article.body_md = data.body_md.replace("\x00", "")
    article.tags = _tags(data.tags)
    for name in ("teaser_html", "teaser_text", "teaser_toc", "body_html", "body_text", "body_toc"):
        setattr(article, name, getattr(rendered, name))
    article.reading_minutes = rendered.reading_minutes
    if changed:
        # Only a real change counts as modified (dateModified, the sitemap's lastmod).
        article.updated_at = utcnow()
    db.session.flush()
    db.session.execute(delete(ArticleLink).where(ArticleLink.article_id == article.id))
    for position, target in enumerate(checked["related"]):  # type: ignore[arg-type]
        db.session.add(ArticleLink(article_id=article.id, target_id=target.id, position=position))
    search.index_article(article)
    audit(actor, "create" if created else "save", article, article.slug)
    pages_changed()
    db.session.flush()
    return article


def publish(article: Article, actor: User | None, at: datetime | None = None) -> None:
    """Publish now (keeping an earlier publication date if it had one)."""
    article.status = "published"
    article.published_at = at or article.published_at or utcnow()
    if article.published_at > utcnow():
        article.published_at = utcnow()
    audit(actor, "publish", article)
    pages_changed()
    db.session.flush()


def schedule(article: Article, actor: User | None, at: datetime) -> None:
    """Publish automatically at `at` (content.publish_due). A time that has passed is refused
    (ContentError on "publish_at"): the editor chooses a later time or publishes now."""
    if at <= utcnow():
        raise ContentError(
            {"publish_at": _("Tidspunktet har allerede passert. Velg et senere tidspunkt.")}
        )
    article.status, article.published_at = "scheduled", at
    audit(actor, "schedule", article, at.isoformat())
    pages_changed()
    db.session.flush()


def unpublish(article: Article, actor: User | None) -> None:
    article.status = "draft"
    audit(actor, "unpublish", article)
    pages_changed()
    db.session.flush()


def publish_due(now: datetime | None = None) -> list[int]:
    """Publish every scheduled article whose time has come; returns their ids."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(Article.id).where(Article.status == "scheduled", Article.published_at <= now)
        )
    )
    if ids:
        db.session.execute(
            update(Article).where(Article.id.in_(ids)).values(status="published"),
            execution_options={"synchronize_session": False},
        )
        for article_id in ids:
            audit(None, "publish_due", db.session.get(Article, article_id))
        pages_changed()
        db.session.flush()
    return ids


def restore_revision(article: Article, revision: ArticleRevision, actor: User | None) -> Article:
    """Put an old title, lede and body back (the current one becomes a revision itself)."""
    data = input_from(article)
    data.title, data.lede, data.body_md = revision.title, revision.lede, revision.body_md
    save_article(data, actor, article)
    audit(actor, "restore", article, f"revision {revision.id}")
    return article


def metadata_of(data: ArticleInput) -> dict[str, Any]:
    """The metadata a revision keeps beside title, lede and body (to list what changed)."""
    return {
        "slug": data.slug,
        "category": data.category,
        "access": data.access,
        "author": data.author or None,
        "tags": sorted(strip_text(str(t)) for t in data.tags if strip_text(str(t))),
        "featured": bool(data.featured),
        "related": list(data.related),
    }


def input_from(article: Article) -> ArticleInput:
    links = db.session.scalars(
        select(Article.slug)
        .join(ArticleLink, ArticleLink.target_id == Article.id)
        .where(ArticleLink.article_id == article.id)
        .order_by(ArticleLink.position)
    )
    return ArticleInput(
        title=article.title,
        slug=article.slug,
        category=article.category.slug,
        access=article.access,
        body_md=article.body_md,
        lede=article.lede,
        author=article.author.slug if article.author else None,
        tags=[t.name for t in article.tags],
        featured=article.featured,
        related=list(links),
    )


def upsert_category(
    slug: str, name: str, description: str = "", name_en: str = "", actor: User | None = None
) -> Category:
    """Create or update a category by slug; the English name may be empty (then the Norwegian
    one is shown in English too). A change is audited (as "category") and drops cached pages;
    the same values again change nothing."""
    slug = slug.strip()
    if not SLUG_RE.match(slug):
        raise ContentError({"slug": _("Ugyldig adresse: bruk små bokstaver, tall og bindestrek.")})
    name = strip_text(name)
    if not name:
        raise ContentError({"name": _("Navn må fylles ut.")})
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        category = Category(slug=slug, position=100)
        db.session.add(category)
    values = (name, strip_text(description), strip_text(name_en)[:120])
    if (category.name, category.description, category.name_en) != values:
        category.name, category.description, category.name_en = values
        audit(actor, "category", None, slug)
        pages_changed()
    db.session.flush()
    return category

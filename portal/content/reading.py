"""The article page's reads as plain rows: the article with its tags, its "les mer" cards.

Two statements and no ORM objects: the page is rendered once per tier and kept (fragments.py),
so what matters on a miss is few round trips. The full body is selected only for access levels
the reader may read (`readable`, from the entitlement function); otherwise it never leaves the
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)

from portal.content import service
from portal.content.models import Article, ArticleLink, Author, Category, Tag, article_tags
from portal.content.service import RELATED_COUNT, visible
from portal.extensions import db
from portal.timeutil import utcnow

# Editor-chosen links shown at most (the rest of the page is about the article itself).
MAX_LINKS = RELATED_COUNT + 10


@dataclass(frozen=True)
class CategoryRef:
    slug: str
    name: str
    name_en: str | None = None


@dataclass(frozen=True)
class AuthorRef:
    slug: str
    name: str
    bio: str


@dataclass(frozen=True)
class TagRef:
    slug: str
    name: str


@dataclass(frozen=True)
class Card:
    """What a "les mer" card shows of an article."""

    slug: str
    title: str
    lede: str
    access: str
    published_at: datetime | None
    reading_minutes: int
    category: CategoryRef


@dataclass(frozen=True)
class ArticleRow:
    id: int
    slug: str
    title: str
    lede: str
    access: str
    category_id: int
    category: CategoryRef
    author: AuthorRef | None
    published_at: datetime | None
    updated_at: datetime
    reading_minutes: int
    teaser_html: str
    teaser_toc: list[Any]
    body_html: str | None  # None unless the reader may read this access level
    body_toc: list[Any] | None
    tags: list[TagRef]
    next_due: datetime | None  # the next scheduled article to appear anywhere, if any
    modified_at: datetime | None  # schema.org dateModified (service.modified_from)


def article(slug: str, readable: list[str], now: datetime | None = None) -> ArticleRow | None:
    """One visible article by slug (one statement); its body only if `readable` allows it."""
    now = now or utcnow()
    may_read = Article.access.in_(readable) if readable else literal(False)
    next_due = (
        select(func.min(Article.published_at))
        .where(Article.status == "scheduled", Article.published_at > now)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            Article.id,
            Article.slug,
            Article.title,
            Article.lede,
            Article.access,
            Article.category_id,
            Category.slug.label("category_slug"),
            Category.name.label("category_name"),
            Category.name_en.label("category_name_en"),
            Author.slug.label("author_slug"),
            Author.name.label("author_name"),
            Author.bio.label("author_bio"),
            Article.published_at,
            Article.updated_at,
            Article.reading_minutes,
            Article.teaser_html,
            Article.teaser_toc,
            case((may_read, Article.body_html), else_=null()).label("body_html"),
            case((may_read, Article.body_toc), else_=null()).label("body_toc"),
            next_due.label("next_due"),
            service.newest_revision().label("revised_at"),
            _tags_json().label("tags"),
        )
        .join(Category, Category.id == Article.category_id)
        .outerjoin(Author, Author.id == Article.author_id)
        .where(Article.slug == slug, visible(now))
    ).first()
    if row is None:
        return None
    readable_now = row.access in readable
    return ArticleRow(
        id=row.id,
        slug=row.slug,
        title=row.title,
        lede=row.lede,
        access=row.access,
        category_id=row.category_id,
        category=CategoryRef(row.category_slug, row.category_name, row.category_name_en),
        author=AuthorRef(row.author_slug, row.author_name, row.author_bio)
        if row.author_slug is not None
        else None,
        published_at=row.published_at,
        updated_at=row.updated_at,
        reading_minutes=row.reading_minutes,
        teaser_html=row.teaser_html,
        teaser_toc=row.teaser_toc or [],
        body_html=row.body_html if readable_now else None,
        body_toc=(row.body_toc or []) if readable_now else None,
        tags=sorted((TagRef(slug, name) for slug, name in row.tags or []), key=_by_name),
        next_due=row.next_due,
        modified_at=service.modified_from(row.published_at, row.revised_at),
    )


def _tags_json() -> Any:
    """The article's tags as a JSON array of [slug, name] pairs, inside the article's statement."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    pair = (func.json_build_array if postgresql else func.json_array)(Tag.slug, Tag.name)
    aggregate = func.json_agg(pair) if postgresql else func.json_group_array(pair)
    return (
        select(type_coerce(aggregate, JSON))
        .select_from(Tag)
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .where(article_tags.c.article_id == Article.id)
        .scalar_subquery()
    )


def _by_name(tag: TagRef) -> tuple[str, str]:
    return tag.name.casefold(), tag.name


_CARD_COLUMNS = (
    Article.slug,
    Article.title,
    Article.lede,
    Article.access,
    Article.published_at,
    Article.reading_minutes,
    Category.slug.label("category_slug"),
    Category.name.label("category_name"),
    Category.name_en.label("category_name_en"),
)


def related(found: ArticleRow, now: datetime | None = None) -> list[Card]:
    """The editor's "les mer" links, else the latest of the same category: one statement of
    three index look-ups (links by key; the newest published of the category through the
    partial index; due scheduled ones, usually none)."""
    now = now or utcnow()
    links = (
        select(*_CARD_COLUMNS, ArticleLink.position.label("position"))
        .join(ArticleLink, ArticleLink.target_id == Article.id)
        .join(Category, Category.id == Article.category_id)
        .where(ArticleLink.article_id == found.id, Article.id != found.id, visible(now))
        .order_by(ArticleLink.position, Article.published_at.desc())
        .limit(MAX_LINKS)
    )
    same_category = and_(Article.category_id == found.category_id, Article.id != found.id)
    latest = (
        select(*_CARD_COLUMNS, cast(null(), Integer).label("position"))
        .join(Category, Category.id == Article.category_id)
        .where(same_category, Article.status == "published")
        .order_by(Article.published_at.desc())
        .limit(RELATED_COUNT)
    )
    due = (
        select(*_CARD_COLUMNS, cast(null(), Integer).label("position"))
        .join(Category, Category.id == Article.category_id)
        .where(same_category, Article.status == "scheduled", Article.published_at <= now)
        .order_by(Article.published_at.desc())
        .limit(RELATED_COUNT)
    )
    # Each branch as a subquery: SQLite allows no LIMIT inside a bare UNION member.
    branches = [select(*part.subquery().c) for part in (links, latest, due)]
    rows = db.session.execute(union_all(*branches)).all()
    chosen = sorted((r for r in rows if r.position is not None), key=_link_order)
    rest = sorted((r for r in rows if r.position is None), key=_newest_first)[:RELATED_COUNT]
    return [_card(r) for r in (chosen or rest)]


def _link_order(row: Any) -> tuple[int, float]:
    return row.position, -(row.published_at.timestamp() if row.published_at else 0)


def _newest_first(row: Any) -> float:
    return -(row.published_at.timestamp() if row.published_at else 0)


def _card(row: Any) -> Card:
    return Card(
        slug=row.slug,
        title=row.title,
        lede=row.lede,
        access=row.access,
        published_at=row.published_at,
        reading_minutes=row.reading_minutes,
        category=CategoryRef(row.category_slug, row.category_name, row.category_name_en),
    )

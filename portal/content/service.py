"""Reading articles: what is published, lists, pages of a category, author or tag, related links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload, with_expression
from sqlalchemy.sql.elements import ColumnElement

from portal.content.models import (
    Article,
    ArticleLink,
    ArticleRevision,
    Author,
    Category,
    ContentAudit,
    Tag,
    article_tags,
)
from portal.extensions import db
from portal.timeutil import utcnow

RELATED_COUNT = 3


def visible(now: Any = None) -> ColumnElement[bool]:
    """Published, or scheduled and due (so a late beat never hides a due article). `now`: a
    moment, or a bound parameter in a statement built once (search.py)."""
    now = now if now is not None else utcnow()
    return or_(
        Article.status == "published",
        and_(Article.status == "scheduled", Article.published_at <= now),
    )


def next_due(now: datetime | None = None) -> datetime | None:
    """When the next scheduled article falls due (and so joins the lists), if any."""
    now = now or utcnow()
    return db.session.scalar(
        select(func.min(Article.published_at)).where(
            Article.status == "scheduled", Article.published_at > now
        )
    )


def published() -> Select[tuple[Article]]:
    return select(Article).where(visible()).order_by(Article.published_at.desc(), Article.id)


def get_published(slug: str) -> Article | None:
    """One visible article with category, author and tags; its full body stays unloaded."""
    return db.session.scalar(
        select(Article)
        .where(Article.slug == slug, visible())
        .options(
            selectinload(Article.tags),
            with_expression(Article.last_revised_at, newest_revision()),
        )
    )


def article_slugs() -> set[str]:
    """Every article's slug, whatever its status (templates check the articles they link)."""
    return set(db.session.scalars(select(Article.slug)))


def _last_revision() -> Any:
    return (
        select(ArticleRevision.article_id, func.max(ArticleRevision.created_at).label("at"))
        .group_by(ArticleRevision.article_id)
        .subquery()
    )


def modified_from(published_at: datetime | None, revised_at: datetime | None) -> datetime | None:
    """schema.org dateModified from the publication time and the newest revision's time."""
    # A revision is written when a save changes the article, so the newest one is the last
    # real change; changes made before publication count as the publication itself.
    moments = [m.astimezone(UTC) for m in (published_at, revised_at) if m is not None]
    return max(moments) if moments else None


def newest_revision() -> Any:
    """The newest revision's time of the article in the surrounding query (a scalar)."""
    return (
        select(func.max(ArticleRevision.created_at))
        .where(ArticleRevision.article_id == Article.id)
        .scalar_subquery()
    )


def modified_at(article: Article) -> datetime | None:
    """When the article's content last really changed (schema.org dateModified); the article
    must come from get_published, which loads its newest revision's time in the same query."""
    return modified_from(article.published_at, article.last_revised_at)


def published_with_modified(limit: int) -> list[tuple[Article, datetime | None]]:
    """Visible articles, newest first, each with modified_at's answer (one query: sitemap)."""
    last = _last_revision()
    rows = db.session.execute(
        published()
        .outerjoin(last, last.c.article_id == Article.id)
        .add_columns(last.c.at)
        .limit(limit)
    ).all()
    return [(article, modified_from(article.published_at, at)) for article, at in rows]


def get_by_id(article_id: int) -> Article | None:
    return db.session.get(Article, article_id)


def related(article: Article) -> list[Article]:
    """The editor's "les mer" links, else the latest of the same category (one query)."""
    link = and_(ArticleLink.target_id == Article.id, ArticleLink.article_id == article.id)
    rows = db.session.execute(
        select(Article, ArticleLink.position)
        .outerjoin(ArticleLink, link)
        .where(
            visible(),
            Article.id != article.id,
            or_(ArticleLink.article_id.is_not(None), Article.category_id == article.category_id),
        )
        .order_by(ArticleLink.position.is_(None), ArticleLink.position, Article.published_at.desc())
        .limit(RELATED_COUNT + 10)
    ).all()
    chosen = [item for item, position in rows if position is not None]
    return chosen or [item for item, _ in rows[:RELATED_COUNT]]


def paginate(statement: Select[tuple[Article]], page: int, per_page: int = 12) -> object:
    return db.paginate(statement, page=page, per_page=per_page, error_out=False, max_per_page=50)


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def author_by_slug(slug: str) -> Author | None:
    return db.session.scalar(select(Author).where(Author.slug == slug))


def tag_by_slug(slug: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def in_category(category: Category) -> Select[tuple[Article]]:
    return published().where(Article.category_id == category.id)


def by_author(author: Author) -> Select[tuple[Article]]:
    return published().where(Article.author_id == author.id)


def with_tag(tag: Tag) -> Select[tuple[Article]]:
    return published().where(
        Article.id.in_(select(article_tags.c.article_id).where(article_tags.c.tag_id == tag.id))
    )


def home() -> dict[str, object]:
    """Featured, then the latest, then one row per category: no article shown twice."""
    featured = list(db.session.scalars(published().where(Article.featured.is_(True)).limit(3)))
    shown = {article.id for article in featured}
    latest = [a for a in db.session.scalars(published().limit(6 + len(shown))) if a.id not in shown]
    latest = latest[:6]
    shown.update(article.id for article in latest)
    per_category = []
    for category in categories():
        statement = in_category(category)
        if shown:
            statement = statement.where(Article.id.not_in(shown))
        items = list(db.session.scalars(statement.limit(3)))
        if items:
            per_category.append((category, items))
            shown.update(article.id for article in items)
    return {"latest": latest, "featured": featured, "per_category": per_category}


def staff_list(
    status: str | None = None, category: str | None = None, query: str | None = None
) -> Select[tuple[Article]]:
    """Every article (drafts too) for the back office, newest change first."""
    statement = select(Article).order_by(Article.updated_at.desc())
    # By the status a person reads (labels.effective_status): a due scheduled one is published.
    if status == "published":
        statement = statement.where(visible())
    elif status == "scheduled":
        statement = statement.where(Article.status == "scheduled", Article.published_at > utcnow())
    elif status:
        statement = statement.where(Article.status == status)
    if category:
        statement = statement.where(Article.category.has(Category.slug == category))
    if query:
        like = "%" + query.replace("%", "").replace("_", "")[:100] + "%"
        statement = statement.where(or_(Article.title.ilike(like), Article.slug.ilike(like)))
    return statement


def authors() -> list[Author]:
    return list(db.session.scalars(select(Author).order_by(Author.name)))


def revisions(article: Article) -> list[ArticleRevision]:
    return list(
        db.session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.id.desc())
        )
    )


def revision(article: Article, revision_id: int) -> ArticleRevision | None:
    return db.session.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.id == revision_id
        )
    )


def audit_log(limit: int = 200) -> list[ContentAudit]:
    return list(
        db.session.scalars(select(ContentAudit).order_by(ContentAudit.id.desc()).limit(limit))
    )

"""What a reader gets of an article: the full HTML if `can_read` says so, else the teaser only.

The view model handed to templates carries one HTML string and one table of contents,
so a template cannot reach the gated part for a reader who may not read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_login import AnonymousUserMixin
from markupsafe import Markup

from portal.accounts.models import User
from portal.billing.entitlements import ACCESS_LEVELS, can_read
from portal.content.models import Article, Author, Category, Tag
from portal.content.reading import ArticleRow, AuthorRef, CategoryRef, TagRef
from portal.content.rendering import GATED_CLASS

TOC_MIN_HEADINGS = 3
# Class of the paywall box in content/article_body.html (schema.org's cssSelector names it).
WITHHELD_CLASS = "paywalled-content"


@dataclass(frozen=True)
class ReaderArticle:
    id: int
    slug: str
    title: str
    lede: str
    access: str
    category: Category | CategoryRef
    author: Author | AuthorRef | None
    tags: list[Tag] | list[TagRef]
    published_at: datetime | None
    updated_at: datetime
    reading_minutes: int
    html: Markup
    toc: list[dict[str, str]]
    full: bool

    @property
    def is_free(self) -> bool:
        return self.access == "public"

    @property
    def gated_selector(self) -> str:
        """The element that holds the gated part on the page served: the wrapper around it in
        the full text, else the paywall box that stands where it was left out."""
        return f".{GATED_CLASS}" if self.full else f".{WITHHELD_CLASS}"


def readable_levels(user: User | AnonymousUserMixin | None) -> list[str]:
    """The access levels this reader may read in full, asked of the one entitlement function."""
    return [level for level in ACCESS_LEVELS if can_read(user, level)]


def for_reader(article: Article, full: bool) -> ReaderArticle:
    """Build the view; the deferred full body is only loaded when `full` is true."""
    html = article.body_html if full else article.teaser_html
    toc: list[Any] = article.body_toc if full else article.teaser_toc
    return _view(article, list(article.tags), html, toc, full)


def row_for_reader(row: ArticleRow, tags: list[TagRef], full: bool) -> ReaderArticle:
    """The view of a plain article row (reading.py); `full` only if the row carries the body,
    which reading.article() selects for readable access levels only."""
    full = full and row.body_html is not None
    if full:
        return _view(row, tags, row.body_html or "", row.body_toc or [], True)
    return _view(row, tags, row.teaser_html, row.teaser_toc, False)


def _view(source: Any, tags: list[Any], html: str, toc: list[Any], full: bool) -> ReaderArticle:
    return ReaderArticle(
        id=source.id,
        slug=source.slug,
        title=source.title,
        lede=source.lede,
        access=source.access,
        category=source.category,
        author=source.author,
        tags=tags,
        published_at=source.published_at,
        updated_at=source.updated_at,
        reading_minutes=source.reading_minutes,
        html=Markup(html),  # noqa: S704 - sanitised by nh3 at save time
        toc=list(toc) if len(toc) >= TOC_MIN_HEADINGS else [],
        full=full,
    )


def view_for(article: Article, user: User | AnonymousUserMixin | None) -> ReaderArticle:
    """The article as this user may see it."""
    return for_reader(article, can_read(user, article.access))


# Whom staff can preview an article as.
PREVIEW_PERSONAS = ("anonymous", "member", "subscriber")


class _FreeMember(AnonymousUserMixin):
    """A logged-in member without grant, subscription or seat, never saved.

    Its id is 0, which no row has: with None, look-ups such as `grant.user_id == user.id`
    become `IS NULL` and find organisations' grants and subscriptions.
    """

    id = 0
    staff_role = None
    is_staff = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False


def preview_for(article: Article, persona: str) -> ReaderArticle:
    """The article as an anonymous visitor, a free member or a subscriber would see it (an
    unknown persona is anonymous). Visitor and member are stand-ins asked of the one
    entitlement function; a subscriber may by definition read every access level."""
    if persona == "subscriber":
        return for_reader(article, True)
    reader = _FreeMember() if persona == "member" else AnonymousUserMixin()
    return for_reader(article, can_read(reader, article.access))

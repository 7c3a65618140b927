"""Reader pages: home, article list, article, category, author and tag pages, search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.content import (  # noqa: F401 - feeds adds views
    feeds,
    fragments,
    labels,
    pagecache,
    paywall,
    reading,
    search,
    service,
)
from portal.content.blueprint import bp
from portal.content.models import ACCESS_CHOICES
from portal.content.pagecache import anonymous_cache
from portal.readonly import read_without_transaction

__all__ = ["bp"]

ARTICLE_TEMPLATE = "content/article.html"


def _reader() -> Any:
    """This request's user itself, not the proxy (each look-up through it costs a few calls)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


def absolute(endpoint: str, **values: Any) -> str:
    """A canonical URL on BASE_URL, whatever host the request came in on."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _kept_listing(template: str, key: tuple[Any, ...], build: Callable[[], dict[str, Any]]) -> str:
    """A reader page that is the same for everyone but the header: its blocks kept per tier."""
    pagecache.shared_version.check(current_app.config.get("REDIS_URL"))

    def with_due() -> tuple[dict[str, Any], Any]:
        read_without_transaction()
        return build(), service.next_due()

    tier = fragments.tier_of(_reader(), full=False)
    return fragments.kept_page(template, key, tier, with_due)


@bp.get("/")
@anonymous_cache
def home() -> str:
    return _kept_listing("content/home.html", ("home",), service.home)


@bp.get("/articles/")
@anonymous_cache
def article_list() -> str:
    page = _page()
    return _kept_listing(
        "content/list.html",
        ("list", page),
        lambda: {
            "pagination": service.paginate(service.published(), page),
            "heading": _("Artikler"),
            "canonical": absolute("content.article_list"),
            "endpoint_args": {},
        },
    )


@bp.get("/articles/<slug>")
@anonymous_cache
def article(slug: str) -> str:
    """The reader's access is asked fresh (one statement, by the user loader); the article's
    blocks come from the fragment cache for this reader's tier, else from two statements (and
    the paywall box's offer)."""
    pagecache.shared_version.check(current_app.config.get("REDIS_URL"))
    reader = _reader()
    readable = paywall.readable_levels(reader)
    kept = fragments.cache()
    head = kept.get(("head", slug))
    loaded: list[reading.ArticleRow] = []
    if head is None:
        generation = pagecache.generation()
        read_without_transaction()
        row = reading.article(slug, readable) or abort(404)
        loaded.append(row)
        head = (row.id, row.access, row.updated_at)
        kept.put(("head", slug), head, 200, generation=generation, valid_until=row.next_due)
    full = head[1] in readable

    def build() -> tuple[dict[str, Any], Any]:
        read_without_transaction()
        fresh = loaded[0] if loaded else reading.article(slug, readable) or abort(404)
        return _article_context(fresh, full), fresh.next_due

    tier = fragments.tier_of(reader, full)
    return fragments.kept_page(ARTICLE_TEMPLATE, ("article", *head), tier, build)


def _article_context(row: reading.ArticleRow, full: bool) -> dict[str, Any]:
    view = paywall.row_for_reader(row, row.tags, full)
    return {
        "article": view,
        "related": reading.related(row),
        "canonical": absolute("content.article", slug=view.slug),
        "json_ld": _json_ld(view, row.modified_at),
    }


def _json_ld(view: paywall.ReaderArticle, modified: datetime | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": view.title,
        "description": view.lede,
        "mainEntityOfPage": absolute("content.article", slug=view.slug),
        "datePublished": view.published_at.isoformat() if view.published_at else None,
        "dateModified": modified.isoformat() if modified else None,
        "articleSection": view.category.name,
        "keywords": [t.name for t in view.tags],
        "isAccessibleForFree": view.is_free,
        "publisher": {"@type": "Organization", "name": "Veivalg"},
    }
    if view.author:
        data["author"] = {
            "@type": "Person",
            "name": view.author.name,
            "url": absolute("content.author", slug=view.author.slug),
        }
    if not view.is_free:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": view.gated_selector,
        }
    return data


def _listing(find: Callable[[str], Any], endpoint: str, slug: str, kind: str) -> str:
    """A category, author or tag page: `find` gives the template arguments and the statement
    for one slug (404 when unknown)."""
    page = _page()

    def build() -> dict[str, Any]:
        template_args, statement = find(slug)
        return {
            "pagination": service.paginate(statement, page),
            "canonical": absolute(endpoint, slug=slug),
            "endpoint_args": {"slug": slug},
            **template_args,
        }

    return _kept_listing("content/list.html", (kind, slug, page), build)


def _category(slug: str) -> tuple[dict[str, Any], Any]:
    found = service.category_by_slug(slug) or abort(404)
    name = labels.category_name(found)
    return (
        {"heading": name, "intro": found.description, "crumb": name},
        service.in_category(found),
    )


def _author(slug: str) -> tuple[dict[str, Any], Any]:
    found = service.author_by_slug(slug) or abort(404)
    return (
        {"heading": found.name, "intro": found.bio, "crumb": found.name, "author": found},
        service.by_author(found),
    )


def _tag(slug: str) -> tuple[dict[str, Any], Any]:
    found = service.tag_by_slug(slug) or abort(404)
    return (
        {"heading": _("Emne: %(name)s", name=found.name), "crumb": found.name},
        service.with_tag(found),
    )


@bp.get("/categories/<slug>")
@anonymous_cache
def category(slug: str) -> str:
    return _listing(_category, "content.category", slug, "category")


@bp.get("/authors/<slug>")
@anonymous_cache
def author(slug: str) -> str:
    return _listing(_author, "content.author", slug, "author")


@bp.get("/tags/<slug>")
@anonymous_cache
def tag(slug: str) -> str:
    return _listing(_tag, "content.tag", slug, "tag")


@bp.get("/search", endpoint="search")
@anonymous_cache
def search_page() -> str:
    query = search.clean_query(request.args.get("q"))
    category = request.args.get("category") or None
    access = request.args.get("access") if request.args.get("access") in ACCESS_CHOICES else None
    readable = paywall.readable_levels(_reader())
    page = _page()

    def build() -> dict[str, Any]:
        results = search.search(query, readable, category=category, access=access, page=page)
        return {
            "query": query,
            "results": results,
            "category": category,
            "access": access,
            "categories": service.categories(),
        }

    # The page of hits is the same for every reader who may read the same access levels.
    key = ("search", query, tuple(readable), category, access, page)
    return _kept_listing("content/search.html", key, build)

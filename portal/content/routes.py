"""Reader pages: home, article list, article, category, author and tag pages, search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.content import feeds, labels, paywall, search, service  # noqa: F401 - feeds adds views
from portal.content.blueprint import bp
from portal.content.models import ACCESS_CHOICES
from portal.content.pagecache import anonymous_cache

__all__ = ["bp"]


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


def absolute(endpoint: str, **values: Any) -> str:
    """A canonical URL on BASE_URL, whatever host the request came in on."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.get("/")
@anonymous_cache
def home() -> str:
    return render_template("content/home.html", **service.home())


@bp.get("/articles/")
@anonymous_cache
def article_list() -> str:
    pagination = service.paginate(service.published(), _page())
    return render_template(
        "content/list.html",
        pagination=pagination,
        heading=_("Artikler"),
        canonical=absolute("content.article_list"),
        endpoint_args={},
    )


@bp.get("/articles/<slug>")
@anonymous_cache
def article(slug: str) -> str:
    found = service.get_published(slug)
    if found is None:
        abort(404)
    view = paywall.view_for(found, current_user)
    return render_template(
        "content/article.html",
        article=view,
        related=service.related(found),
        canonical=absolute("content.article", slug=view.slug),
        json_ld=_json_ld(view, service.modified_at(found)),
    )


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


def _listing(template_args: dict[str, Any], statement: Any, endpoint: str, slug: str) -> str:
    return render_template(
        "content/list.html",
        pagination=service.paginate(statement, _page()),
        canonical=absolute(endpoint, slug=slug),
        endpoint_args={"slug": slug},
        **template_args,
    )


@bp.get("/categories/<slug>")
@anonymous_cache
def category(slug: str) -> str:
    found = service.category_by_slug(slug) or abort(404)
    name = labels.category_name(found)
    return _listing(
        {"heading": name, "intro": found.description, "crumb": name},
        service.in_category(found),
        "content.category",
        slug,
    )


@bp.get("/authors/<slug>")
@anonymous_cache
def author(slug: str) -> str:
    found = service.author_by_slug(slug) or abort(404)
    return _listing(
        {"heading": found.name, "intro": found.bio, "crumb": found.name, "author": found},
        service.by_author(found),
        "content.author",
        slug,
    )


@bp.get("/tags/<slug>")
@anonymous_cache
def tag(slug: str) -> str:
    found = service.tag_by_slug(slug) or abort(404)
    return _listing(
        {"heading": _("Emne: %(name)s", name=found.name), "crumb": found.name},
        service.with_tag(found),
        "content.tag",
        slug,
    )


@bp.get("/search", endpoint="search")
@anonymous_cache
def search_page() -> str:
    query = search.clean_query(request.args.get("q"))
    category = request.args.get("category") or None
    access = request.args.get("access") if request.args.get("access") in ACCESS_CHOICES else None
    results = search.search(
        query,
        paywall.readable_levels(current_user),
        service.visible(),
        category=category,
        access=access,
        page=_page(),
    )
    return render_template(
        "content/search.html",
        query=query,
        results=results,
        category=category,
        access=access,
        categories=service.categories(),
    )

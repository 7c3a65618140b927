"""Machine-readable surfaces: the RSS feed, sitemap.xml and robots.txt (public teasers only)."""

from __future__ import annotations

from flask import Response, current_app, render_template, url_for

from portal.content import service
from portal.content.blueprint import bp
from portal.content.pagecache import anonymous_cache
from portal.extensions import db

FEED_SIZE = 30
SITEMAP_MAX = 50_000


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


@bp.get("/feed.xml")
@anonymous_cache
def feed() -> Response:
    """Title, lede and the public teaser of the latest articles; never the gated part."""
    articles = list(db.session.scalars(service.published().limit(FEED_SIZE)))
    body = render_template("content/feed.xml", articles=articles, base=_base())
    return Response(body, mimetype="application/rss+xml")


@bp.get("/sitemap.xml")
@anonymous_cache
def sitemap() -> Response:
    body = render_template(
        "content/sitemap.xml",
        articles=service.published_with_modified(SITEMAP_MAX),
        categories=service.categories(),
        base=_base(),
    )
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /account",
        "Disallow: /orgs/",
        "Disallow: /billing/",
        "Disallow: /api/",
        f"Sitemap: {_base()}{url_for('content.sitemap')}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")

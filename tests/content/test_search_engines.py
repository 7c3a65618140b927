"""What search engines read: dateModified and lastmod from real revisions, a cssSelector that
matches the served page, and the language negotiated on one URL announced."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import time_machine
from flask.testing import FlaskClient

from portal.content import editorial
from portal.content.models import Article
from portal.extensions import db
from tests.content.conftest import Readers


def _json_ld(page: str) -> dict:
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert raw is not None
    return json.loads(raw.group(1))


def _has_class(page: str, selector: str) -> bool:
    assert selector.startswith(".")
    return re.search(rf'class="[^"]*\b{re.escape(selector[1:])}\b[^"]*"', page) is not None


def test_the_gated_part_selector_matches_the_page_for_every_reader(
    client: FlaskClient, login: Callable, readers: Readers, make_article: Callable[..., Article]
) -> None:
    article = make_article(access="paid", body="Åpent.\n\n<!-- paywall -->\n\nLukket.\n")
    teaser = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    selector = _json_ld(teaser)["hasPart"]["cssSelector"]
    assert "Lukket." not in teaser and _has_class(teaser, selector)
    login(client, readers.subscriber)
    full = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    selector = _json_ld(full)["hasPart"]["cssSelector"]
    assert "Lukket." in full and _has_class(full, selector)
    # The selector names the element that holds the gated text itself.
    assert re.search(rf'class="{selector[1:]}">\s*<p>Lukket\.</p>', full)


def test_date_modified_and_lastmod_come_from_real_revisions(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    with time_machine.travel(datetime(2031, 1, 10, 9, 0, tzinfo=UTC), tick=False):
        article = make_article(body="Første tekst.\n")
    with time_machine.travel(datetime(2031, 2, 1, 9, 0, tzinfo=UTC), tick=False):
        # A save that changes nothing is no modification.
        editorial.save_article(editorial.input_from(article), None, article)
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert _json_ld(page)["dateModified"] == "2031-01-10T09:00:00+00:00"
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<lastmod>2031-01-10T09:00:00+00:00</lastmod>" in sitemap
    with time_machine.travel(datetime(2031, 3, 5, 12, 0, tzinfo=UTC), tick=False):
        data = editorial.input_from(article)
        data.body_md = "Ny tekst.\n"
        editorial.save_article(data, None, article)
    db.session.flush()
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert _json_ld(page)["datePublished"] == "2031-01-10T09:00:00+00:00"
    assert _json_ld(page)["dateModified"] == "2031-03-05T12:00:00+00:00"
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<lastmod>2031-03-05T12:00:00+00:00</lastmod>" in sitemap


def test_edits_before_publication_are_not_modifications(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    with time_machine.travel(datetime(2031, 1, 1, 9, 0, tzinfo=UTC), tick=False):
        article = make_article(body="Utkast.\n", publish=False)
    with time_machine.travel(datetime(2031, 1, 2, 9, 0, tzinfo=UTC), tick=False):
        data = editorial.input_from(article)
        data.body_md = "Ferdig tekst.\n"
        editorial.save_article(data, None, article)
    with time_machine.travel(datetime(2031, 1, 3, 9, 0, tzinfo=UTC), tick=False):
        editorial.publish(article, None)
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert _json_ld(page)["dateModified"] == _json_ld(page)["datePublished"]


def test_the_negotiated_language_is_announced(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    article = make_article()
    for path in ("/", f"/articles/{article.slug}"):
        english = client.get(path, headers={"Accept-Language": "en"})
        norwegian = client.get(path, headers={"Accept-Language": "nb"})
        assert "Accept-Language" in english.headers["Vary"]
        assert "Cookie" in english.headers["Vary"]  # kept beside it
        assert english.headers["Content-Language"] == "en"
        assert norwegian.headers["Content-Language"] == "nb"
        assert "Accept-Language" in norwegian.headers["Vary"]

"""The anonymous page cache: cookie-less readers share pages, nobody else ever does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from portal.content import editorial
from portal.content.models import Article
from portal.content.pagecache import MAX_BYTES, PageCache, pages
from portal.extensions import db
from tests.content.conftest import CANARY, Readers
from tests.content.test_paywall import _assert_no_canary, _reachable_paths


@pytest.fixture
def cache_on(app: Flask) -> Iterator[None]:
    pages.clear()
    app.config["CONTENT_CACHE_SECONDS"] = 30
    yield
    app.config["CONTENT_CACHE_SECONDS"] = 0
    pages.clear()


def test_subscriber_first_then_anonymous_gets_the_teaser(
    app: Flask, cache_on: None, canaries: dict[str, Article], login: Callable, readers: Readers
) -> None:
    subscriber = app.test_client()
    login(subscriber, readers.subscriber)
    assert CANARY["paid"] in subscriber.get("/articles/kanari-paid").get_data(as_text=True)
    anonymous = app.test_client()
    assert CANARY["paid"] not in anonymous.get("/articles/kanari-paid").get_data(as_text=True)


def test_anonymous_first_then_subscriber_gets_the_full_text(
    app: Flask, cache_on: None, canaries: dict[str, Article], login: Callable, readers: Readers
) -> None:
    anonymous = app.test_client()
    teaser = anonymous.get("/articles/kanari-paid").get_data(as_text=True)
    assert CANARY["paid"] not in teaser
    assert anonymous.get("/articles/kanari-paid").get_data(as_text=True) == teaser  # cached
    member, subscriber = app.test_client(), app.test_client()
    login(member, readers.member)
    login(subscriber, readers.subscriber)
    assert CANARY["members"] in member.get("/articles/kanari-members").get_data(as_text=True)
    assert CANARY["paid"] in subscriber.get("/articles/kanari-paid").get_data(as_text=True)
    page = member.get("/articles/kanari-paid")
    assert page.headers["Cache-Control"] == "no-store"


def test_a_cached_page_is_served_and_dropped_when_content_changes(
    app: Flask, cache_on: None, make_article: Callable[..., Article]
) -> None:
    article = make_article(title="Første tittel")
    client = app.test_client()
    assert "Første tittel" in client.get("/articles/").get_data(as_text=True)
    assert len(pages._entries) == 1
    hit = client.get("/articles/")
    assert "Første tittel" in hit.get_data(as_text=True)
    assert "Content-Security-Policy" in hit.headers  # security headers on cached pages too
    data = editorial.input_from(article)
    data.title = "Andre tittel"
    editorial.save_article(data, None, article)
    assert "Andre tittel" in client.get("/articles/").get_data(as_text=True)


def test_requests_with_any_cookie_bypass_the_cache(
    app: Flask, cache_on: None, make_article: Callable[..., Article]
) -> None:
    make_article()
    client = app.test_client()
    client.set_cookie("session", "not-a-valid-session")
    client.get("/articles/")
    assert len(pages._entries) == 0


def test_languages_are_cached_apart(
    app: Flask, cache_on: None, make_article: Callable[..., Article]
) -> None:
    make_article()
    client = app.test_client()
    client.get("/articles/", headers={"Accept-Language": "en"})
    client.get("/articles/", headers={"Accept-Language": "nb"})
    assert len(pages._entries) == 2


def test_a_page_made_under_another_mount_point_is_never_served_here(
    app: Flask, cache_on: None, make_article: Callable[..., Article]
) -> None:
    # A request that claims another SCRIPT_NAME (a proxy header) makes links under it; that
    # page must not be served to readers of the app where it is really mounted.
    make_article()
    app.test_client().get("/articles/", environ_overrides={"SCRIPT_NAME": "/evil"})
    page = app.test_client().get("/articles/").get_data(as_text=True)
    assert 'href="/evil/' not in page


def test_canary_on_every_surface_after_subscriber_fetched_them_with_the_cache_on(
    app: Flask, cache_on: None, canaries: dict[str, Article], login: Callable, readers: Readers
) -> None:
    paths = _reachable_paths(app, canaries)
    subscriber = app.test_client()
    login(subscriber, readers.subscriber)
    for path in paths:
        subscriber.get(path)
    assert _assert_no_canary(app.test_client(), paths, "anonymous after subscriber") > 20
    assert _assert_no_canary(app.test_client(), paths, "anonymous, second time") > 20


def test_the_cache_is_bounded_by_size_whatever_the_query_strings() -> None:
    # /sitemap.xml?1, ?2, … are all new keys: a large page must not be held 2000 times.
    cache = PageCache()
    body = b"x" * (1024 * 1024)
    for n in range(100):
        cache.put(("page", "/sitemap.xml", str(n), "nb"), 30, "200 OK", [], body)
    held = sum(len(entry[3]) for entry in cache._entries.values())
    assert 0 < held <= MAX_BYTES
    assert cache.get(("page", "/sitemap.xml", "99", "nb")) is not None  # the newest stays
    cache.put(("page", "/sitemap.xml", "99", "nb"), 30, "200 OK", [], b"small")
    assert sum(len(entry[3]) for entry in cache._entries.values()) == cache._bytes


def test_pages_cached_between_a_change_and_its_commit_are_dropped_at_commit(
    app: Flask, cache_on: None, make_article: Callable[..., Article]
) -> None:
    # Another thread may render the old (say, still public) article after the change
    # cleared the cache but before it was committed: that copy must not outlive the commit.
    article = make_article()
    db.session.commit()
    data = editorial.input_from(article)
    data.access = "paid"
    editorial.save_article(data, None, article)
    key = ("page", "", f"/articles/{article.slug}", "", "nb")
    pages.put(key, 30, "200 OK", [], b"the old, public page")
    db.session.commit()
    assert pages.get(key) is None


@pytest.mark.parametrize("seconds", [0, 30])
def test_anonymous_article_pages_say_how_they_may_be_cached(
    app: Flask, canaries: dict[str, Article], login: Callable, readers: Readers, seconds: int
) -> None:
    app.config["CONTENT_CACHE_SECONDS"] = seconds
    pages.clear()
    try:
        response = app.test_client().get("/articles/kanari-paid")
        expected = f"public, max-age={seconds}" if seconds else "public, no-cache"
        assert response.headers["Cache-Control"] == expected
        assert set(response.vary) >= {"Cookie", "Accept-Language"}
        assert response.headers.getlist("Vary") == [response.headers["Vary"]]
        with_cookie = app.test_client()
        with_cookie.set_cookie("lang", "en")
        page = with_cookie.get("/articles/kanari-paid")
        assert page.headers["Cache-Control"] == "private, no-cache"
        member = app.test_client()
        login(member, readers.member)
        assert member.get("/articles/kanari-paid").headers["Cache-Control"] == "no-store"
    finally:
        app.config["CONTENT_CACHE_SECONDS"] = 0
        pages.clear()

"""Kept article fragments: the same bytes as an uncached page, one statement when warm, fresh
after content changes and when a scheduled article falls due, bounded in bytes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import User
from portal.content import editorial, fragments, pagecache
from portal.content.fragments import FragmentCache
from portal.content.models import Article
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from tests.content.conftest import CANARY, Readers
from tests.content.test_queries import counting

_VOLATILE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


def _page(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return _VOLATILE.sub(r"\1…\2", response.get_data(as_text=True))


def _uncached(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.extensions, "content.fragments", FragmentCache(0, 0))


READERS = ["anonymous", "member", "subscriber", "staff", "seat in two organisations"]


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("access", ["public", "members", "paid"])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_page_from_kept_fragments_is_byte_identical_to_the_uncached_page(
    app: Flask,
    client: FlaskClient,
    canaries: dict[str, Article],
    make_article: Callable[..., Article],
    readers: Readers,
    create_user: Callable[..., User],
    make_org: Callable[..., Organization],
    add_member,
    login,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    access: str,
    language: str,
) -> None:
    article = canaries.get(access) or make_article(
        access=access, tags=["kanari"], related=[canaries["paid"].slug]
    )
    if who == "seat in two organisations":
        seat = create_user(name="Setebruker")
        for name in ("Alfa AS", "Beta AS"):
            add_member(make_org(name=name), seat)
        login(client, seat)
    elif who != "anonymous":
        login(client, getattr(readers, who))
    path = f"/articles/{article.slug}"
    headers = {"Accept-Language": language}
    cold = _page(client, path, **headers)
    warm = _page(client, path, **headers)
    assert len(fragments.cache()) >= 2  # the head and this tier's blocks are kept
    _uncached(app, monkeypatch)
    plain = _page(client, path, **headers)
    assert cold == warm == plain
    full = access == "public" or (access == "members" and who != "anonymous")
    full = full or who in ("subscriber", "staff", "seat in two organisations")
    assert (CANARY.get(access, "Et avsnitt til.") in plain) is full


def test_tiers_never_share_blocks(
    client: FlaskClient, canaries: dict[str, Article], readers: Readers, login
) -> None:
    path = f"/articles/{canaries['paid'].slug}"
    login(client, readers.subscriber)
    assert CANARY["paid"] in client.get(path).get_data(as_text=True)
    login(client, readers.member)
    member_page = client.get(path).get_data(as_text=True)
    anonymous_page = client.application.test_client().get(path).get_data(as_text=True)
    assert CANARY["paid"] not in member_page and CANARY["paid"] not in anonymous_page
    assert "Fri Medlem" in member_page or "Min konto" in member_page  # the member's own header


def test_a_content_write_shows_on_the_next_request(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    article = make_article(title="Gammel tittel")
    path = f"/articles/{article.slug}"
    assert "Gammel tittel" in client.get(path).get_data(as_text=True)
    data = editorial.ArticleInput(
        title="Ny tittel",
        slug=article.slug,
        category="ikt-strategi",
        access="paid",
        body_md="Åpent.\n\n<!-- paywall -->\n\nNå lukket tekst.\n",
        lede="En kort ingress.",
    )
    editorial.save_article(data, None, article)
    page = client.get(path).get_data(as_text=True)
    assert "Ny tittel" in page and "Nå lukket tekst." not in page
    editorial.unpublish(article, None)
    assert client.get(path).status_code == 404


def test_a_scheduled_article_appears_in_les_mer_when_it_falls_due(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    article = make_article()
    later = make_article(title="Planlagt artikkel", publish=False)
    editorial.schedule(later, None, utcnow() + timedelta(seconds=1.5))
    path = f"/articles/{article.slug}"
    assert "Planlagt artikkel" not in client.get(path).get_data(as_text=True)
    assert "Planlagt artikkel" not in client.get(path).get_data(as_text=True)  # kept
    time.sleep(1.6)
    assert "Planlagt artikkel" in client.get(path).get_data(as_text=True)


def test_the_cache_is_bounded_in_bytes(app: Flask) -> None:
    kept = FragmentCache(10_000, 30)
    for n in range(100):
        kept.put(("k", n), "x", 1_000, generation=0)
    assert kept.bytes <= 10_000 and len(kept) == 10
    kept.put(("big",), "x", 5_000, generation=0)  # over a quarter of the budget: not kept
    assert kept.get(("big",)) is None


def test_an_encoded_copy_lives_and_counts_with_its_value(app: Flask) -> None:
    kept = FragmentCache(10_000, 30)
    made: list[str] = []

    def encode(value: str) -> tuple[bytes, int]:
        made.append(value)
        return value.encode(), 2 * len(value.encode())

    generation = pagecache.generation()
    kept.put(("k",), "blå–side", 1_000, generation=generation)
    assert kept.get_encoded(("k",), encode) == "blå–side".encode()
    assert kept.get_encoded(("k",), encode) == "blå–side".encode()
    assert made == ["blå–side"]  # made once, then kept
    assert kept.bytes == 1_000 + 2 * len("blå–side".encode())
    for n in range(9):  # filling the budget drops the oldest, its copy's bytes with it
        kept.put(("other", n), "x", 1_000, generation=generation)
    assert kept.get(("k",)) is None and kept.bytes <= 10_000
    assert kept.get_encoded(("k",), encode) is None
    kept.put(("k",), "ny", 1_000, generation=generation)
    pagecache.drop_local()  # a content change: the value and its copy go together
    assert kept.get_encoded(("k",), encode) is None and kept.get(("k",)) is None


def test_no_reader_data_reaches_kept_blocks(
    client: FlaskClient, canaries: dict[str, Article], create_user: Callable[..., User], login
) -> None:
    reader = create_user(name="Unik Lesernavn Qwx")
    login(client, reader)
    client.get(f"/articles/{canaries['members'].slug}")
    kept = fragments.cache()._entries.values()  # noqa: SLF001
    blocks = [e.value for e in kept if isinstance(e.value, dict)]
    assert blocks
    for found in blocks:
        assert not any(reader.email in b or "Unik Lesernavn Qwx" in b for b in found.values())


LISTINGS = [
    "/",
    "/articles/",
    "/categories/ikt-strategi",
    "/tags/kanari",
    "/authors/test-forfatter",
    "/search?q=kanariartikkel",
]


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_listing_pages_from_kept_blocks_are_identical_and_cost_only_the_readers_access(
    app: Flask,
    client: FlaskClient,
    canaries: dict[str, Article],
    readers: Readers,
    login,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    who: str,
) -> None:
    if who == "member":
        login(client, readers.member)
    cold = _page(client, path)
    with counting() as statements:
        warm = _page(client, path)
    assert len(statements) == (0 if who == "anonymous" else 1), "\n\n".join(statements)
    _uncached(app, monkeypatch)
    assert cold == warm == _page(client, path)
    assert "Kanariartikkel paid" in warm


def test_a_scheduled_article_joins_the_list_when_it_falls_due(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    make_article(title="Allerede ute")
    later = make_article(title="Kommer snart", publish=False)
    editorial.schedule(later, None, utcnow() + timedelta(seconds=1.5))
    assert "Kommer snart" not in client.get("/articles/").get_data(as_text=True)
    assert "Kommer snart" not in client.get("/articles/").get_data(as_text=True)
    time.sleep(1.6)
    assert "Kommer snart" in client.get("/articles/").get_data(as_text=True)

"""Search on PostgreSQL: Norwegian inflections, ranking, filters, hostile input."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from portal.content import search, search_snippets
from portal.content.models import Article
from portal.extensions import db
from tests.content.conftest import CANARY, CANARY_WORDS, Readers


def test_inflected_norwegian_forms_are_found(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    make_article(title="Om strategi", body="En strategi gir retning.\n", slug="om-strategi")
    make_article(title="Om bakst", body="Brød og boller.\n", slug="om-bakst")
    page = client.get("/search?q=strategiene").get_data(as_text=True)
    assert "Om strategi" in page and "Om bakst" not in page
    assert "<mark>" in page


def test_title_ranks_above_body(client: FlaskClient, make_article: Callable[..., Article]) -> None:
    make_article(title="Annet emne", body="Her nevnes gevinstrealisering i teksten.\n")
    make_article(title="Gevinstrealisering", body="Om nytte.\n")
    page = client.get("/search?q=gevinstrealisering").get_data(as_text=True)
    assert page.index("Gevinstrealisering</a>") < page.index("Annet emne</a>")


def test_filters_by_category_and_access(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    make_article(title="Ledelse av kompetanse", category="ledelse", body="Kompetanse.\n")
    make_article(title="IKT og kompetanse", category="ikt-strategi", access="members")
    page = client.get("/search?q=kompetanse&category=ledelse").get_data(as_text=True)
    assert "Ledelse av kompetanse" in page and "IKT og kompetanse" not in page
    page = client.get("/search?q=kompetanse&access=members").get_data(as_text=True)
    assert "Ledelse av kompetanse" not in page and "IKT og kompetanse" in page


def test_drafts_are_not_found(client: FlaskClient, make_article: Callable[..., Article]) -> None:
    make_article(title="Hemmelig utkast om veikart", publish=False)
    assert "Hemmelig utkast" not in client.get("/search?q=veikart").get_data(as_text=True)


def test_results_are_paginated(client: FlaskClient, make_article: Callable[..., Article]) -> None:
    for n in range(12):
        make_article(title=f"Tiltaksplan nummer {n}")
    first = client.get("/search?q=tiltaksplan").get_data(as_text=True)
    assert "12 treff" in first and "Side 1 av 2" in first
    second = client.get("/search?q=tiltaksplan&page=2").get_data(as_text=True)
    assert second.count('class="search-hit"') == 2


@pytest.mark.parametrize(
    "query",
    [
        '"strategi',
        "strategi OR -ikt",
        "!!! & | <-> :* ()",
        "a\x00b",
        "x" * 5000,
        "😀 strategi 🚀",
        "' ; DROP TABLE articles; --",
        "<script>alert(1)</script>",
        "%",
        "",
        "\\",
    ],
)
def test_any_query_answers_200(
    client: FlaskClient, make_article: Callable[..., Article], query: str
) -> None:
    make_article(title="Strategi for alle")
    response = client.get("/search", query_string={"q": query, "page": "999999999"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_the_count_stops_at_the_cap(
    client: FlaskClient, make_article: Callable[..., Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for n in range(5):
        make_article(title=f"Veikart {n}")
    make_article(title="Veikart alene", slug="veikart-alene")
    page = client.get("/search?q=veikart").get_data(as_text=True)
    assert "3+ treff" in page and page.count('class="search-hit"') == 6


def test_kept_hits_are_per_tier_and_dropped_when_content_changes(
    client: FlaskClient, canaries: dict[str, Article], readers: Readers, login, make_article
) -> None:
    word = CANARY_WORDS["paid"]
    subscriber = client.application.test_client()
    login(subscriber, readers.subscriber)
    assert 'class="search-hit"' in subscriber.get(f"/search?q={word}").get_data(True)
    anonymous = client.get(f"/search?q={word}").get_data(True)
    assert 'class="search-hit"' not in anonymous and CANARY["paid"] not in anonymous
    assert "Nytt treff om veivalg" not in client.get("/search?q=veivalg").get_data(True)
    make_article(title="Nytt treff om veivalg")
    assert "Nytt treff om veivalg" in client.get("/search?q=veivalg").get_data(True)


# Snippets of long texts are made from a window around the first place a query word may occur
# (search_snippets.WINDOW_CHARS characters); these show what a reader sees stays as it was.


def _filler(count: int, word_chars: int = 0) -> str:
    """`count` sentences without any of the query words below; with `word_chars`, sentences of
    long words of that length (distinct, so a piece of one is never a whole one)."""
    if word_chars:
        words = [f"langord{n:05d}".ljust(word_chars, "x") for n in range(count * 6)]
        return " ".join(" ".join(words[n * 6 : n * 6 + 6]) + "." for n in range(count))
    return " ".join(f"Avsnitt nummer {n} handler om planlegging og drift." for n in range(count))


def _snippets(page: str) -> list[str]:
    return re.findall(r'<p class="vv-snippet">(.*?)</p>', page, re.S)


def test_a_match_deep_in_a_long_body_is_shown_and_highlighted(
    client: FlaskClient, make_article: Callable[..., Article], readers: Readers, login: Callable
) -> None:
    body = (
        f"{_filler(3)}\n\n<!-- paywall -->\n\n{_filler(80)}\n\n"
        f"Her står det sjeldne ordet Zyxdypord midt i teksten.\n\n{_filler(20)}\n"
    )
    article = make_article(access="paid", title="Om drift", body=body)
    assert len(article.body_text) > 3 * search_snippets.WINDOW_CHARS
    assert article.body_text.index("Zyxdypord") > 2 * search_snippets.WINDOW_CHARS
    login(client, readers.subscriber)
    [snippet] = _snippets(client.get("/search?q=zyxdypord").get_data(as_text=True))
    assert "sjeldne ordet <mark>Zyxdypord</mark> midt i teksten" in snippet


def test_a_longer_word_first_does_not_hide_the_match_further_on(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    # "veikartarbeidet" starts with the query's stem but is another word; the real match
    # is more than a window further on.
    body = (
        f"Veikartarbeidet begynte tidlig. {_filler(60)}\n\n"
        f"Til slutt kom et veikart for hele virksomheten.\n\n{_filler(5)}\n"
    )
    make_article(title="Om planer", body=body)
    [snippet] = _snippets(client.get("/search?q=veikart").get_data(as_text=True))
    assert "et <mark>veikart</mark> for hele" in snippet


def test_a_query_of_several_words_shows_where_they_occur_together(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    body = (
        f"Om tiltakene først. {_filler(60)}\n\n"
        f"Her står tiltak og prioritering side om side.\n\n{_filler(5)}\n"
    )
    make_article(title="Om planer", body=body)
    [snippet] = _snippets(client.get("/search?q=tiltak+prioritering").get_data(as_text=True))
    assert "står <mark>tiltak</mark> og <mark>prioritering</mark> side" in snippet


def test_a_window_cut_never_shows_a_piece_of_a_word(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    # Words so long that a fragment reaches back to where the window starts and, around a
    # second match near its end, past where it ends.
    body = (
        f"{_filler(20, 24)} Zyxkant står her. {_filler(5, 24)} Zyxkant igjen. {_filler(20, 24)}\n"
    )
    article = make_article(title="Om ord", body=body)
    whole_words = set(re.findall(r"\w+", article.body_text))
    [snippet] = _snippets(client.get("/search?q=zyxkant").get_data(as_text=True))
    shown = re.findall(r"\w+", re.sub(r"</?mark>", "", snippet))
    assert "<mark>Zyxkant</mark>" in snippet and len(shown) > 20
    assert set(shown) <= whole_words


def test_a_title_match_shows_the_opening_of_a_long_body(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    make_article(title="Zyxtittel", body=f"Første ord her. {_filler(60)}\n")
    [snippet] = _snippets(client.get("/search?q=zyxtittel").get_data(as_text=True))
    assert snippet.startswith("Første ord her.")


def test_a_long_teaser_is_windowed_without_gated_text(
    client: FlaskClient, make_article: Callable[..., Article], readers: Readers, login: Callable
) -> None:
    # An editor's marker after a long open part: the window is made from the teaser alone,
    # even when the same word stands right after the marker.
    body = (
        f"{_filler(40)}\n\nÅpent om zyxfelles her.\n\n<!-- paywall -->\n\n"
        f"Lukket om zyxfelles: {CANARY['paid']}.\n\n{_filler(10)}\n"
    )
    article = make_article(access="paid", title="Om felles", body=body)
    assert len(article.teaser_text) > search_snippets.WINDOW_CHARS
    member = client.application.test_client()
    login(member, readers.member)
    for reader in (client, member):
        page = reader.get("/search?q=zyxfelles").get_data(as_text=True)
        [snippet] = _snippets(page)
        assert "Åpent om <mark>zyxfelles</mark>" in snippet
        assert CANARY_WORDS["paid"] not in page and "Lukket" not in page


def _every_match_ranked(query: str, readable: list[str], access: str | None) -> list[str]:
    """The plain definition of a search: every visible article that matches the text the
    reader may read, ranked on title and lede, newest first among equals."""
    rows = db.session.execute(
        text(
            "SELECT slug FROM articles WHERE status = 'published'"
            " AND (CAST(:access AS text) IS NULL OR access = :access)"
            " AND CASE WHEN access = ANY(:levels) THEN search_full ELSE search_teaser END"
            "     @@ websearch_to_tsquery('norwegian', :q)"
            " ORDER BY ts_rank(search_head, websearch_to_tsquery('norwegian', :q)) DESC,"
            " published_at DESC, id"
        ),
        {"q": query, "levels": readable, "access": access},
    )
    return list(rows.scalars())


@pytest.mark.parametrize(
    "query",
    [
        "veikart",
        "veikart budsjett",
        "veikart OR budsjett",
        "veikart -budsjett",
        '"nytt veikart"',
        "budsjett",
    ],  # fmt: skip
)
def test_a_page_found_from_titles_alone_is_the_page_every_match_would_give(
    app: Flask, make_article: Callable[..., Article], query: str
) -> None:
    # Enough title matches to fill pages of three, body-only matches (public and behind the
    # paywall) that rank below them, and titles whose body holds the negated word.
    for n in range(7):
        make_article(title=f"Nytt veikart {n}", access=("public", "members", "paid")[n % 3])
    for n in range(3):
        make_article(title=f"Veikart og budsjett {n}", body="Et budsjett for året.\n")
    make_article(title="Om planer", body="Et veikart for året.\n")
    make_article(title="Lukket plan", access="paid",
                 body="Åpent.\n\n<!-- paywall -->\n\nEt veikart og et budsjett.\n")  # fmt: skip
    for readable in (["public"], ["public", "members"], ["public", "members", "paid"]):
        for access in (None, "paid"):
            expected = _every_match_ranked(query, readable, access)
            found: list[str] = []
            for page in range(1, 6):
                result = search.search(query, readable, access=access, page=page, per_page=3)
                assert result.total == len(expected), (readable, access)
                found += [hit.article.slug for hit in result.hits]
            assert found == expected, (readable, access)

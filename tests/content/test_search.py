"""Search on PostgreSQL: Norwegian inflections, ranking, filters, hostile input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from portal.content import search
from portal.content.models import Article
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

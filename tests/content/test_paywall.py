"""The access matrix and the canary: gated text never reaches a reader who may not read it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.content.models import Article
from tests.content.conftest import CANARY, CANARY_WORDS, Readers, body_with_canary

GATED_PHRASE = "Mer lukket tekst"
# Where a page repeats the visitor's own URL or query (form values, login ?next=): not a leak.
ECHOES = re.compile(r'(value="[^"]*"|href="[^"]*next=[^"]*")')


@pytest.mark.parametrize(
    ("access", "who", "full"),
    [
        ("public", "anonymous", True),
        ("public", "member", True),
        ("public", "subscriber", True),
        ("public", "staff", True),
        ("members", "anonymous", False),
        ("members", "member", True),
        ("members", "subscriber", True),
        ("members", "staff", True),
        ("paid", "anonymous", False),
        ("paid", "member", False),
        ("paid", "subscriber", True),
        ("paid", "staff", True),
    ],
)
def test_access_matrix(
    client: FlaskClient,
    login: Callable,
    make_article: Callable[..., Article],
    readers: Readers,
    access: str,
    who: str,
    full: bool,
) -> None:
    article = make_article(access=access, body=body_with_canary("paid"))
    if who != "anonymous":
        login(client, getattr(readers, who))
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "Åpningen er offentlig" in page
    assert (GATED_PHRASE in page) is full
    assert ('id="paywall"' in page) is not full


def test_paywall_box_links_back_to_the_article(
    client: FlaskClient, canaries: dict[str, Article], login: Callable, readers: Readers
) -> None:
    page = client.get("/articles/kanari-members").get_data(as_text=True)
    assert "/login?next=/articles/kanari-members" in page
    assert "/signup?next=/articles/kanari-members" in page
    login(client, readers.member)
    page = client.get("/articles/kanari-paid").get_data(as_text=True)
    assert "paywall-box" in page and "/login?next" not in page.split("paywall-box")[1]


def _reachable_paths(app: Flask, canaries: dict[str, Article]) -> list[str]:
    """Every parameterless GET route in the app, plus the content pages and their variants."""
    paths = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static")
    }
    for access, article in canaries.items():
        word = CANARY_WORDS[access]
        paths |= {
            f"/articles/{article.slug}",
            f"/articles/{article.slug}?print=1",
            f"/articles/{article.slug}/",
            f"/categories/{article.category.slug}",
            "/authors/test-forfatter",
            "/tags/kanari",
            f"/search?q={word}",
            f"/search?q={word}&access={access}",
            "/search?q=synger+bare",
            "/search?q=Skjult+del",
            "/search?q=lukket+tekst",
            f"/articles/{article.slug}-finnes-ikke",
        }
    return sorted(paths)


def _assert_no_canary(
    client: FlaskClient, paths: list[str], who: str, user_agent: str | None = None
) -> int:
    checked = 0
    for path in paths:
        headers = {"User-Agent": user_agent} if user_agent else {}
        response = client.get(path, headers=headers)
        # The search form and the language switch echo the query back: that is not a leak.
        body = re.sub(ECHOES, "", response.get_data(as_text=True))
        if path.startswith("/search?q=Zyx"):
            assert "0 treff" in body, f"{who} got hits for {path}"
        for access, sentence in CANARY.items():
            assert sentence not in body, f"{who} saw the {access} canary on {path}"
            assert CANARY_WORDS[access] not in body, f"{who} saw {access} words on {path}"
            assert GATED_PHRASE not in body, f"{who} saw gated text on {path}"
        checked += 1
    return checked


def test_canary_absent_for_anonymous_on_every_surface(
    app: Flask, client: FlaskClient, canaries: dict[str, Article]
) -> None:
    assert _assert_no_canary(client, _reachable_paths(app, canaries), "anonymous") > 20


GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def test_a_search_engine_crawler_sees_no_gated_text(
    app: Flask, client: FlaskClient, canaries: dict[str, Article]
) -> None:
    # Crawlers get the teaser like any anonymous reader (no "first click free" by user agent,
    # which anyone can send); the JSON-LD paywall markup tells them the rest is gated.
    paths = _reachable_paths(app, canaries)
    assert _assert_no_canary(client, paths, "Googlebot", user_agent=GOOGLEBOT) > 20


def test_canary_absent_for_free_member_except_members_article(
    app: Flask,
    client: FlaskClient,
    canaries: dict[str, Article],
    login: Callable,
    readers: Readers,
) -> None:
    login(client, readers.member)
    page = client.get("/articles/kanari-members").get_data(as_text=True)
    assert CANARY["members"] in page  # the member reads members articles in full
    for path in _reachable_paths(app, {"paid": canaries["paid"]}):
        body = re.sub(ECHOES, "", client.get(path).get_data(as_text=True))
        assert CANARY["paid"] not in body, path
        assert CANARY_WORDS["paid"] not in body, path


def test_no_crossover_right_after_a_subscriber_fetched_the_page(
    app: Flask, canaries: dict[str, Article], login: Callable, readers: Readers
) -> None:
    subscriber, anonymous = app.test_client(), app.test_client()
    login(subscriber, readers.subscriber)
    for access, article in canaries.items():
        url = f"/articles/{article.slug}"
        seen = subscriber.get(url)
        assert CANARY[access] in seen.get_data(as_text=True)
        assert seen.headers["Cache-Control"] == "no-store"
        again = anonymous.get(url).get_data(as_text=True)
        assert CANARY[access] not in again
        assert subscriber.get(f"/search?q={CANARY_WORDS[access]}").status_code == 200
        found = anonymous.get(f"/search?q={CANARY_WORDS[access]}").get_data(as_text=True)
        assert "0 treff" in found


def test_subscriber_search_finds_gated_words(
    client: FlaskClient, canaries: dict[str, Article], login: Callable, readers: Readers
) -> None:
    login(client, readers.subscriber)
    page = client.get(f"/search?q={CANARY_WORDS['paid']}").get_data(as_text=True)
    assert "Kanariartikkel paid" in page and "<mark>" in page


def test_gated_headings_are_not_in_the_teaser_table_of_contents(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    body = (
        "Intro.\n\n## Én\n\nA\n\n## To\n\nB\n\n## Tre\n\nC\n\n"
        "<!-- paywall -->\n\n## Hemmelig\n\nD\n"
    )
    article = make_article(access="members", body=body)
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert 'href="#en"' in page and "Hemmelig" not in page


def test_json_ld_marks_the_gated_part_and_is_escaped(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    article = make_article(
        access="paid", title="Tittel &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert raw is not None
    data = json.loads(raw.group(1))
    assert data["@type"] == "Article" and data["isAccessibleForFree"] is False
    # Served to an anonymous reader: the selector names the paywall box standing in for the text.
    assert data["hasPart"]["cssSelector"] == ".paywalled-content"
    assert data["headline"] == "Tittel </script><script>alert(1)</script>"
    assert "<script>alert(1)" not in page
    assert '<link rel="canonical" href="http://localhost/articles/' in page
    assert '<meta property="og:title"' in page


def test_anonymous_article_page_sets_no_cookie_and_carries_no_token(
    client: FlaskClient, canaries: dict[str, Article]
) -> None:
    response = client.get("/articles/kanari-members")
    assert "Set-Cookie" not in response.headers
    assert "csrf_token" not in response.get_data(as_text=True)


def test_staff_preview_is_decided_by_the_paywall_module(
    app: Flask, canaries: dict[str, Article]
) -> None:
    """Visitor and free member are stand-ins asked of can_read; a subscriber reads all."""
    from portal.content.paywall import PREVIEW_PERSONAS, preview_for

    expected = {
        "anonymous": {"members": False, "paid": False},
        "member": {"members": True, "paid": False},
        "subscriber": {"members": True, "paid": True},
    }
    assert set(PREVIEW_PERSONAS) == set(expected)
    for persona, by_access in expected.items():
        for access, full in by_access.items():
            view = preview_for(canaries[access], persona)
            assert view.full is full, (persona, access)
            assert (CANARY[access] in view.html) is full, (persona, access)
    assert preview_for(canaries["paid"], "nobody-in-particular").full is False


def test_a_paid_wall_states_the_price_with_vat_and_offers_no_free_account(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    from portal.billing import plans

    plans.ensure_plans()
    article = make_article(access="paid", body=body_with_canary("paid"))
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    box = page.split('id="paywall"', 1)[1].split("</aside>", 1)[0]
    assert "186,25\u00a0kr" in box and "25 % mva" in box  # 149 kr + 25 % VAT, per month
    assert "/signup" not in box
    # Online payment is off in tests: the way on is a quote request, not a dead end.
    assert "/contact?topic=subscription" in box


def test_a_members_wall_offers_the_free_account(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    article = make_article(access="members", body=body_with_canary("members"))
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    box = page.split('id="paywall"', 1)[1].split("</aside>", 1)[0]
    assert "/signup?next=" in box and "0&nbsp;kr" in box

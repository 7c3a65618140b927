"""Whole journeys in Debian's Chromium on the full stack: the paywall to a verified reader
through Redis, a real Celery worker and an SMTP sink; a subscription through Checkout and
webhooks; the keyboard alone and the language switch. Screenshots land in the pytest basetemp
(`screenshots/`), as artefacts of the run."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.billing import plans
from portal.billing.models import CheckoutAttempt
from portal.content import demo as content_demo
from portal.content.models import Article
from portal.extensions import db
from tests.billing.conftest import stripe_committed, stripe_emulator, stripe_side  # noqa: F401
from tests.billing.helpers import StripeSide, make_event, sign
from tests.conftest import PASSWORD
from tests.e2e.conftest import Shot
from tests.e2e.test_reader import GATED_SENTENCE as GATED_SENTENCE_MEMBERS
from tests.support.services import CeleryWorker, LiveServer, RedisServer, SmtpSink, body_text
from tests.support.traffic import request

pytestmark = pytest.mark.slow


@pytest.fixture
def stack_page(
    browser: Any,
    committed_app: Flask,
    make_app: Callable[..., Flask],
    redis_server: RedisServer,
    smtp_sink: SmtpSink,
    celery_worker_factory: Callable[..., CeleryWorker],
) -> Iterator[Any]:
    """A page on a live server whose mail goes through Redis, a Celery worker and SMTP."""
    celery_worker_factory(redis_server.url, smtp_sink.url)
    server = LiveServer(make_app(REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url))
    server.start()
    context = browser.new_context(base_url=server.url, locale="nb-NO")
    try:
        yield context.new_page()
    finally:
        context.close()
        server.stop()


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_paywall_to_a_verified_reader_through_the_worker_and_smtp(
    stack_page: Any, committed_app: Flask, smtp_sink: SmtpSink, shot: Shot
) -> None:
    page = stack_page
    content_demo.seed()
    db.session.commit()
    page.goto("/articles/beskriv-dagens-situasjon")
    paywall = page.locator("#paywall")
    assert paywall.is_visible()
    assert GATED_SENTENCE_MEMBERS not in page.content()
    shot(page, "paywall")

    paywall.get_by_role("link", name="Bli medlem").click()
    email = "via-smtp@example.org"
    page.get_by_label("Navn").fill("Siri Smtp")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill("en lang og god passfrase")
    page.get_by_role("button", name="Opprett konto").click()
    shot(page, "check-mail")

    [mail] = smtp_sink.wait_for_mail(email, timeout=60)
    link = re.search(r"https?://[^\s]+(/verify/[^\s]+)", body_text(mail))
    assert link, body_text(mail)
    page.goto(link.group(1))
    page.get_by_label("Passordet du valgte").fill("en lang og god passfrase")
    page.get_by_role("button", name="Bekreft adressen").click()

    assert page.url.endswith("/articles/beskriv-dagens-situasjon")
    assert GATED_SENTENCE_MEMBERS in page.content()
    assert page.locator("#paywall").count() == 0
    shot(page, "article-in-full")
    assert len(smtp_sink.to(email)) == 1


def gated_words(article: Article) -> str:
    """Eight words from the part of the article behind the paywall."""
    rest = words(article.body_text).removeprefix(words(article.teaser_text)).split()
    assert len(rest) > 20, article.slug
    return " ".join(rest[10:18])


def test_a_reader_subscribes_through_checkout_and_reads_a_paid_article(
    page: Any,
    live_server: LiveServer,
    committed_app: Flask,
    stripe_committed: StripeSide,  # noqa: F811
    create_user: Callable[..., Any],
    shot: Shot,
) -> None:
    content_demo.seed()
    email = "kjoeper@example.org"
    create_user(email, name="Kari Kjøper")
    db.session.commit()
    article = db.session.scalar(select(Article).where(Article.slug == "gevinstrealisering"))
    secret = gated_words(article)

    page.goto("/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.goto("/articles/gevinstrealisering")
    assert page.locator("#paywall").is_visible()
    assert secret not in words(page.inner_text("main"))

    # The emulator answers with checkout.stripe.test; the browser is sent to Stripe's real host
    # instead (the one the CSP's form-action allows) and sees a stand-in page there, never
    # leaving the machine.
    def to_stripes_host(route: Any) -> None:
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        headers["location"] = headers["location"].replace(".stripe.test/", ".stripe.com/")
        route.fulfill(response=response, headers=headers)

    page.route("**/billing/checkout", to_stripes_host)
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>Stripe Checkout (test)</h1>"
        ),
    )
    page.goto("/billing/pricing")
    shot(page, "pricing")
    page.get_by_role("button", name="Abonner månedlig").click()
    page.wait_for_url("https://checkout.stripe.com/**")

    # What Stripe does when the card is paid: a subscription, then signed webhooks.
    db.session.remove()
    attempt = db.session.scalar(select(CheckoutAttempt).order_by(CheckoutAttempt.id.desc()))
    plan = plans.get_by_code("individual_monthly")
    sub = stripe_committed.subscribe(attempt.stripe_customer_id, plan.stripe_price_id)
    session = {
        "id": attempt.stripe_session_id,
        "object": "checkout.session",
        "mode": "subscription",
        "customer": attempt.stripe_customer_id,
        "client_reference_id": f"user:{attempt.user_id}",
        "metadata": {
            "veivalg_checkout": str(attempt.id),
            "veivalg_owner": f"user:{attempt.user_id}",
        },
        "subscription": sub["id"],
        "status": "complete",
    }
    for event in (
        make_event("customer.subscription.created", sub),
        make_event("checkout.session.completed", session),
    ):
        body, header = sign(event)
        headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
        answer = request(live_server.url, "/billing/webhook", "POST", body.encode(), headers)
        assert answer.status == 200, answer.body

    page.goto(f"/billing/success?session_id={attempt.stripe_session_id}")
    assert page.get_by_text("Abonnementet er aktivt").is_visible()
    shot(page, "subscribed")
    page.goto("/articles/gevinstrealisering")
    assert page.locator("#paywall").count() == 0
    assert secret in words(page.inner_text("main"))
    shot(page, "paid-article")


def focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(),"
        " id: e.id || '', name: e.getAttribute('name') || '', text: (e.innerText || '').trim(),"
        " href: e.getAttribute('href') || ''}; }"
    )


def tab_to(page: Any, matches: Callable[[dict[str, str]], bool], limit: int = 40) -> None:
    """Press Tab until the focused element matches (a keyboard user finding a control)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if matches(focused(page)):
            return
    raise AssertionError(f"never reached by Tab; last focus {focused(page)}")


def test_the_main_pages_by_keyboard_alone_and_the_language_switch(
    page: Any, live_server: LiveServer, committed_app: Flask, create_user, shot: Shot
) -> None:
    content_demo.seed()
    email = "tastatur@example.org"
    create_user(email, name="Tore Tastatur")
    db.session.commit()

    page.goto("/")
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "#main", focused(page)
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    shot(page, "home")

    page.goto("/")  # from the top of the page again
    tab_to(page, lambda f: f["text"] == "Logg inn")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login**")
    tab_to(page, lambda f: f["name"] == "email")
    page.keyboard.type(email)
    tab_to(page, lambda f: f["name"] == "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("link", name="Min konto").is_visible()

    tab_to(page, lambda f: f["text"] == "English")
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.lang === 'en'")
    tab_to(page, lambda f: f["text"] == "Articles")
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/")
    tab_to(page, lambda f: f["href"].startswith("/articles/") and len(f["href"]) > 10)
    target = focused(page)["href"]
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).is_visible()
    shot(page, "article-in-english")

"""A reader meets the paywall, signs up from it, and comes back to read the article in full."""

from __future__ import annotations

from flask import Flask

from portal import demo
from portal.extensions import db
from tests.e2e.conftest import MailFolder

GATED_SENTENCE = "Det viktigste spørsmålet i kartleggingen er ikke"


def test_public_article_then_paywall_then_sign_up_and_read_in_full(
    page, committed_app: Flask, mail_folder: MailFolder
) -> None:
    demo.seed_all()
    db.session.commit()

    page.goto("/articles/hva-er-en-digital-strategi")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("#paywall").count() == 0  # public: no paywall box

    page.goto("/articles/beskriv-dagens-situasjon")
    assert page.locator("#paywall").is_visible()
    assert GATED_SENTENCE not in page.content()

    page.locator("#paywall").get_by_role("link", name="Bli medlem").click()
    email = "leser.fra.muren@example.org"
    page.get_by_label("Navn").fill("Lise Leser")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill("en lang og god passfrase")
    page.get_by_role("button", name="Opprett konto").click()

    link = mail_folder.wait_for_link(email, "/verify/")
    page.goto(link)
    page.get_by_label("Passordet du valgte").fill("en lang og god passfrase")
    page.get_by_role("button", name="Bekreft adressen").click()

    assert page.url.endswith("/articles/beskriv-dagens-situasjon")
    assert GATED_SENTENCE in page.content()
    assert page.locator("#paywall").count() == 0

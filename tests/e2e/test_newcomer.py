"""A newcomer signs up, verifies, logs in and out, and resets the password, in both languages."""

from __future__ import annotations

from tests.e2e.conftest import MailFolder


def test_sign_up_verify_log_in_log_out_and_reset_in_norwegian(
    page, mail_folder: MailFolder
) -> None:
    email = "nykommer@example.org"
    page.goto("/signup")
    page.get_by_label("Navn").fill("Nina Nykommer")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill("en lang og god passfrase")
    page.get_by_role("button", name="Opprett konto").click()

    verify = mail_folder.wait_for_link(email, "/verify/")
    page.goto(verify)
    page.get_by_label("Passordet du valgte").fill("en lang og god passfrase")
    page.get_by_role("button", name="Bekreft adressen").click()

    page.goto("/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill("en lang og god passfrase")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("link", name="Min konto").is_visible()

    page.get_by_role("button", name="Logg ut").click()
    page.get_by_role("link", name="Logg inn").first.wait_for()
    assert page.get_by_role("link", name="Logg inn").first.is_visible()
    page.goto("/account")
    assert "/login" in page.url

    page.goto("/reset")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_role("button", name="Send lenke").click()
    reset = mail_folder.wait_for_link(email, "/reset/")
    page.goto(reset)
    page.get_by_label("Nytt passord", exact=True).fill("en helt ny og lang passfrase")
    page.get_by_label("Gjenta nytt passord").fill("en helt ny og lang passfrase")
    page.get_by_role("button", name="Lagre nytt passord").click()

    page.goto("/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill("en helt ny og lang passfrase")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("link", name="Min konto").is_visible()


def test_the_language_switch_turns_the_site_english(page) -> None:
    page.goto("/login")
    assert page.get_by_role("heading", name="Logg inn").is_visible()
    page.get_by_role("button", name="English").click()
    page.goto("/login")
    assert page.get_by_role("heading", name="Log in").is_visible()
    assert page.get_by_label("Email address").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"

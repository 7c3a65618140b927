"""Every mail: one branded HTML layout with inlined CSS and a button, a plain-text part, the
reason the person got it, all in the recipient's language; delivered over real SMTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from portal.mail.service import build_message, compose
from portal.mail.transport import deliver
from tests.support.services import SmtpSink, body_text

TEMPLATES = sorted(
    p.stem for p in (Path(__file__).parents[2] / "portal/templates/mail").glob("*.txt")
)
# Mails that ask the reader to do something carry a button for it.
WITHOUT_ACTION = {"accounts_email_changed", "core_contact_receipt", "test_notice"}
CONTEXT = {
    "name": "Kari Nordmann",
    "link": "http://localhost/handling?token=abc",
    "hours": 24,
    "minutes": 30,
    "new_email": "ny@example.org",
    "reset_link": "http://localhost/reset?token=def",
    "login_link": "http://localhost/login",
    "manage_url": "http://localhost/billing/manage",
    "sub": SimpleNamespace(trial_end=datetime(2031, 3, 1, 23, 30, tzinfo=UTC)),
    "org_name": "Acme AS",
    "inviter_name": "Astrid Admin",
    "expires_at": datetime(2031, 1, 15, 23, 30, tzinfo=UTC),
    "invitee": "erik@example.org",
    "seat_limit": 1,
    "headline": "Kontroll",
    "workbook": "IKT-strategi 2027–2030",
    "title": "Digital selvbetjening",
    "actor": "Astrid Admin",
    "kind": "measure",
    "enquiry": SimpleNamespace(
        name="Kari Nordmann",
        email="kari@example.org",
        organisation="Acme AS",
        seats=12,
        page="/billing/pricing",
        locale="nb",
        topic="organisation",
        message="Vi vil gjerne ha et tilbud.",
    ),
}


def test_there_are_mails_to_check() -> None:
    assert len(TEMPLATES) >= 14


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_mail_has_a_branded_html_part_and_a_text_part(app: Flask, template: str) -> None:
    subject, text, html = compose(template, "nb", **CONTEXT)
    assert subject and text.strip()
    # One layout: the name, the footer with why the person got this mail.
    assert ">Veivalg</a>" in html and 'class="footer"' in html
    assert "Du får denne e-posten fordi" in html and "Du får denne e-posten fordi" in text
    # CSS inlined: no <style> block left, the layout's rules are on the elements.
    assert "<style" not in html and 'style="' in html
    assert 'lang="nb"' in html
    if template not in WITHOUT_ACTION:
        assert 'class="button-cell"' in html and 'class="button"' in html
    assert "Takk ja her" not in text + html


@pytest.mark.parametrize("template", TEMPLATES)
def test_both_parts_are_in_the_recipients_language(app: Flask, template: str) -> None:
    subject, text, html = compose(template, "en", **CONTEXT)
    assert "You are receiving this email because" in text
    assert "You are receiving this email because" in html and 'lang="en"' in html
    assert "Du får denne e-posten" not in text + html
    assert "Knowledge about strategy and digitalisation" in text + html


def test_the_invitation_says_what_to_do_and_until_when_in_oslo_time(app: Flask) -> None:
    subject, text, html = compose("orgs_invitation", "nb", **CONTEXT)
    # 23:30 UTC on the 15th is the 16th in Oslo.
    assert "Takk ja til invitasjonen med lenken nedenfor" in text and "16.01.2031" in text
    assert "16.01.2031" in html and ">Takk ja til invitasjonen</a>" in html
    assert "Astrid Admin inviterte denne adressen til Acme AS" in text


def test_a_mail_travels_over_smtp_with_both_parts(app: Flask, smtp_sink: SmtpSink) -> None:
    subject, text, html = compose("accounts_verify", "en", **CONTEXT)
    message = build_message(
        {"to": "kari@example.org", "subject": subject, "text": text, "html": html, "locale": "en"}
    )
    deliver(message, smtp_sink.url)
    [received] = smtp_sink.wait_for_mail("kari@example.org")
    assert received.get_content_type() == "multipart/alternative"
    assert "You are receiving this email because" in body_text(received)
    html_part = received.get_body(preferencelist=("html",))
    assert html_part is not None and 'class="button"' in html_part.get_content()
    assert received["Content-Language"] == "en"

"""The contact and quote request: where 'buy' leads when online payment is off."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.outbox.models import OutboxItem
from tests.accounts.conftest import post_form
from tests.support.services import SmtpSink, body_text


def _outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxItem)) or 0


def test_a_request_reaches_staff_and_confirms_to_the_sender(
    mail_app: Flask, mail_client: FlaskClient, smtp_sink: SmtpSink, csrf_token
) -> None:
    mail_app.config["CONTACT_EMAIL"] = "salg@veivalg.example"
    response = post_form(
        mail_client,
        "/contact",
        {
            "topic": "organisation",
            "name": "Kari Kjøper",
            "email": "kari@firma.example",
            "organisation": "Firma AS",
            "seats": "25",
            "message": "Vi vil ha 25 plasser med faktura.\nKan dere sende et tilbud?",
            "next": "/articles/noe",
        },
        csrf_token,
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/contact/sent")
    (to_staff,) = smtp_sink.wait_for_mail("salg@veivalg.example")
    text = body_text(to_staff)
    assert "Kari Kjøper" in to_staff["Subject"]
    assert "kari@firma.example" in text and "Firma AS" in text and "25" in text
    assert "Kan dere sende et tilbud?" in text and "/articles/noe" in text
    (receipt,) = smtp_sink.wait_for_mail("kari@firma.example")
    assert "Vi vil ha 25 plasser med faktura." in body_text(receipt)
    page = mail_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Takk for henvendelsen" in page and 'href="/articles/noe"' in page


def test_a_bad_request_shows_the_errors_on_top_and_sends_nothing(
    client: FlaskClient, csrf_token
) -> None:
    before = _outbox_count()
    response = post_form(
        client, "/contact", {"topic": "subscription", "name": "", "email": "ikke-en-adresse"},
        csrf_token,
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="ds-error-summary' in page
    assert 'href="#name"' in page and 'href="#email"' in page and 'href="#message"' in page
    assert 'aria-invalid="true"' in page
    assert _outbox_count() == before


def test_the_form_is_filled_in_for_a_logged_in_reader(
    client: FlaskClient, create_user, login
) -> None:
    user = create_user("leser@example.org", name="Lise Leser")
    login(client, user)
    page = client.get("/contact?topic=organisation&org=Acme+AS").get_data(as_text=True)
    assert 'value="Lise Leser"' in page and 'value="leser@example.org"' in page
    assert 'value="Acme AS"' in page
    assert '<option selected value="organisation">' in page


def test_a_double_submit_sends_one_pair_of_mails(client: FlaskClient, csrf_token) -> None:
    data = {"topic": "other", "name": "Ola", "email": "ola@example.org", "message": "Hei"}
    before = _outbox_count()
    post_form(client, "/contact", data, csrf_token)
    post_form(client, "/contact", data, csrf_token)
    assert _outbox_count() == before + 2


def test_privacy_notice_names_the_controller_and_what_is_stored(
    make_app, client: FlaskClient
) -> None:
    app = make_app(CONTROLLER_NAME="Forlaget Test AS", CONTACT_EMAIL="personvern@test.example")
    page = app.test_client().get("/privacy").get_data(as_text=True)
    assert "Forlaget Test AS" in page and "personvern@test.example" in page
    for word in ("Stripe", "IP-adressen", "Datatilsynet", "art. 6 nr. 1 b", "slettes"):
        assert word in page
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get("/privacy").get_data(as_text=True)
    assert "How we handle your personal data" in english and 'lang="en"' in english
    assert client.get("/terms").status_code == 200

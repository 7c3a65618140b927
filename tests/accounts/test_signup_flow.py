"""Sign-up, verification, login and logout as a member sees them, mails through real SMTP."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.accounts import service
from tests.accounts.conftest import link_in, post_form, reload
from tests.conftest import PASSWORD, count_rows
from tests.support.services import SmtpSink, body_text


def test_signup_verify_login_logout_and_old_cookie_is_refused(
    mail_app: Flask, mail_client: FlaskClient, smtp_sink: SmtpSink, csrf_token
) -> None:
    email = "ny.leser@example.org"
    response = post_form(
        mail_client,
        "/signup",
        {"name": "Ny Leser", "email": email, "password": PASSWORD},
        csrf_token,
    )
    assert response.status_code == 200
    assert "Sjekk e-posten din" in response.get_data(as_text=True)

    (mail,) = smtp_sink.wait_for_mail(email)
    assert mail["Subject"] == "Bekreft e-postadressen din"
    path = link_in(mail)
    assert path.startswith("/verify/")

    # A mail scanner's GET changes nothing.
    page = mail_client.get(path)
    assert page.status_code == 200 and "Bekreft adressen" in page.get_data(as_text=True)
    assert not service.find_by_email(email).is_verified
    # Someone who did not create the account (does not know its password) cannot verify it.
    wrong = post_form(mail_client, path, {"password": "not the password at all"}, csrf_token)
    assert wrong.status_code == 422
    assert not reload(service.find_by_email(email)).is_verified
    confirm = post_form(mail_client, path, {"password": PASSWORD}, csrf_token)
    assert confirm.status_code == 200
    assert "Velkommen til Veivalg, Ny Leser!" in confirm.get_data(as_text=True)
    assert reload(service.find_by_email(email)).is_verified

    login = post_form(mail_client, "/login", {"email": email, "password": PASSWORD}, csrf_token)
    assert login.status_code == 303
    assert mail_client.get("/account").status_code == 200
    captured = mail_client.get_cookie("session").value

    logout = post_form(mail_client, "/logout", {}, csrf_token, form_page="/account")
    assert logout.status_code == 303
    assert mail_client.get("/account").status_code == 302

    thief = mail_app.test_client()
    thief.set_cookie("session", captured)
    response = thief.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unverified_user_cannot_log_in_with_password_but_can_resend(
    mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, csrf_token
) -> None:
    user = create_user(verified=False)
    response = post_form(
        mail_client, "/login", {"email": user.email, "password": PASSWORD}, csrf_token
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "bekrefte e-postadressen" in page
    assert "Send bekreftelsen på nytt" in page
    assert mail_client.get("/account").status_code == 302

    resend = post_form(
        mail_client, "/login/verify-again", {"email": user.email}, csrf_token, form_page="/login"
    )
    assert resend.status_code == 200
    (mail,) = smtp_sink.wait_for_mail(user.email)
    assert link_in(mail).startswith("/verify/")


def test_wrong_password_and_unknown_address_get_the_same_answer(
    client: FlaskClient, create_user, csrf_token
) -> None:
    user = create_user()
    wrong = post_form(client, "/login", {"email": user.email, "password": "x" * 12}, csrf_token)
    unknown = post_form(
        client, "/login", {"email": "nobody@example.org", "password": "x" * 12}, csrf_token
    )
    assert wrong.status_code == unknown.status_code == 422
    assert "Feil e-postadresse eller passord." in wrong.get_data(as_text=True)
    assert "Feil e-postadresse eller passord." in unknown.get_data(as_text=True)


def test_bad_signup_input_rerenders_with_a_message_and_writes_nothing(
    app: Flask, client: FlaskClient, create_user, csrf_token
) -> None:
    create_user()
    before = count_rows("users")
    cases = [
        ({"name": "A", "email": "not-an-email", "password": PASSWORD}, "gyldig e-postadresse"),
        ({"name": "A", "email": "a@example.org", "password": "kort"}, "minst 10 tegn"),
        ({"name": "A", "email": "a@example.org", "password": "password123"}, "for vanlig"),
        ({"name": "", "email": "a@example.org", "password": PASSWORD}, "Skriv navnet ditt"),
        ({"name": "A", "email": "a@example.org", "password": "x" * 1025}, "høyst 1024"),
    ]
    for data, message in cases:
        response = post_form(client, "/signup", data, csrf_token)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert count_rows("users") == before
    assert count_rows("outbox_items") == 0


def test_signup_for_a_known_address_answers_the_same_and_warns_the_owner(
    mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, csrf_token
) -> None:
    owner = create_user(name="Eier Eiersen")

    known = post_form(
        mail_client,
        "/signup",
        {"name": "Inntrenger", "email": owner.email, "password": PASSWORD},
        csrf_token,
    )
    unknown = post_form(
        mail_client,
        "/signup",
        {"name": "Inntrenger", "email": "fresh-address@example.org", "password": PASSWORD},
        csrf_token,
    )
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known) == _without_tokens(unknown)

    (warning,) = smtp_sink.wait_for_mail(owner.email)
    assert warning["Subject"] == "Noen prøvde å registrere seg med adressen din"
    assert "Ingen ny konto ble opprettet" in body_text(warning)
    assert service.find_by_email(owner.email).name == "Eier Eiersen"
    smtp_sink.wait_for_mail("fresh-address@example.org")


def test_a_name_with_control_characters_answers_the_same_for_known_and_unknown_addresses(
    client: FlaskClient, create_user, csrf_token
) -> None:
    # A NUL the database refuses must not turn into an error only for new addresses.
    owner = create_user()
    answers = [
        post_form(
            client,
            "/signup",
            {"name": "Inn\x00trenger\x07", "email": email, "password": PASSWORD},
            csrf_token,
        )
        for email in (owner.email, "nul-name@example.org")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert _without_tokens(answers[0]) == _without_tokens(answers[1])
    assert service.find_by_email("nul-name@example.org").name == "Inntrenger"


def _without_tokens(response: TestResponse) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


def test_resend_verification_answers_the_same_for_any_address(
    mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, csrf_token
) -> None:
    unverified = create_user(verified=False)
    verified = create_user()
    answers = [
        post_form(mail_client, "/login/verify-again", {"email": email}, csrf_token)
        for email in (unverified.email, verified.email, "nobody-at-all@example.org")
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({_without_tokens(a) for a in answers}) == 1
    smtp_sink.wait_for_mail(unverified.email)
    assert smtp_sink.to(verified.email) == []


@pytest.mark.parametrize(
    ("next_path", "lands_on"),
    [("/articles/tegn-malbildet", "/articles/tegn-malbildet"), ("//evil.example/x", None)],
)
def test_signing_up_from_a_page_comes_back_to_it_logged_in(
    mail_client: FlaskClient,
    smtp_sink: SmtpSink,
    csrf_token,
    next_path: str,
    lands_on: str | None,
) -> None:
    email = "fra.betalingsmuren@example.org"
    signup = f"/signup?next={next_path}"
    post_form(
        mail_client,
        signup,
        {"name": "Tilbake", "email": email, "password": PASSWORD, "next": next_path},
        csrf_token,
        form_page=signup,
    )
    path = link_in(smtp_sink.wait_for_mail(email)[0])
    confirm = post_form(mail_client, path, {"password": PASSWORD}, csrf_token)
    if lands_on is None:
        # A foreign target is never followed: the ordinary "verified" page, not logged in.
        assert confirm.status_code == 200
        assert mail_client.get("/account").status_code == 302
    else:
        assert confirm.status_code == 303 and confirm.headers["Location"] == lands_on
        assert mail_client.get("/account").status_code == 200


def test_sign_up_from_an_invitation_has_the_invited_address_filled_in(client: FlaskClient) -> None:
    page = client.get("/signup?next=/invitations/abc&email=invitert%40firma.example")
    assert 'value="invitert@firma.example"' in page.get_data(as_text=True)

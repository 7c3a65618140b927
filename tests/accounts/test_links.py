"""Mailed links: one-time login, reset, verification — single use, expiry, tampering."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.accounts import service, tokens
from tests.accounts.conftest import link_in, post_form, reload
from tests.conftest import PASSWORD
from tests.support.services import SmtpSink

NEW_PASSWORD = "a completely different passphrase 42"


def _is_logged_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def _normalised(response: TestResponse) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/login/link", "/reset"])
def test_link_requests_answer_the_same_for_known_and_unknown_addresses(
    mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, csrf_token, path: str
) -> None:
    user = create_user()
    known = post_form(mail_client, path, {"email": user.email}, csrf_token)
    unknown = post_form(mail_client, path, {"email": "nobody-here@example.org"}, csrf_token)
    assert known.status_code == unknown.status_code == 200
    assert _normalised(known) == _normalised(unknown)
    smtp_sink.wait_for_mail(user.email)
    assert smtp_sink.to("nobody-here@example.org") == []


def test_one_time_link_logs_in_once_and_verifies_the_address(
    mail_app: Flask, mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, csrf_token
) -> None:
    user = create_user(verified=False)
    post_form(mail_client, "/login/link", {"email": user.email}, csrf_token)
    (mail,) = smtp_sink.wait_for_mail(user.email)
    path = link_in(mail)
    assert path.startswith("/login/link/")

    # GET (a mail scanner) shows a button and logs nobody in.
    page = mail_client.get(path)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert not _is_logged_in(mail_client)

    response = post_form(mail_client, path, {}, csrf_token)
    assert response.status_code == 303
    assert _is_logged_in(mail_client)
    assert reload(user).is_verified

    again = mail_app.test_client()
    replay = post_form(again, path, {}, csrf_token, form_page="/login")
    assert replay.status_code == 400
    assert "Be om en ny lenke" in replay.get_data(as_text=True)
    assert not _is_logged_in(again)


def test_one_time_link_expires(client: FlaskClient, app: Flask, create_user, csrf_token) -> None:
    user = create_user()
    path = f"/login/link/{tokens.issue(user, tokens.LOGIN)}"
    later = datetime.now(UTC) + timedelta(seconds=app.config["LOGIN_LINK_MAX_AGE"] + 5)
    token = csrf_token(client, "/login")
    with time_machine.travel(later, tick=False):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 400
        assert "utløpt" in response.get_data(as_text=True)
        assert client.get(path).status_code == 400
    assert not _is_logged_in(client)


def test_links_die_after_a_password_change(client: FlaskClient, create_user, csrf_token) -> None:
    user = create_user()
    login_path = f"/login/link/{tokens.issue(user, tokens.LOGIN)}"
    reset_path = f"/reset/{tokens.issue(user, tokens.RESET)}"
    service.change_password(user, PASSWORD, NEW_PASSWORD)
    assert post_form(client, login_path, {}, csrf_token, form_page="/login").status_code == 400
    response = post_form(
        client,
        reset_path,
        {"password": "yet another long passphrase", "confirm": "yet another long passphrase"},
        csrf_token,
        form_page="/login",
    )
    assert response.status_code == 400
    assert service.check_password(user, NEW_PASSWORD)


@pytest.mark.parametrize("purpose", [tokens.LOGIN, tokens.RESET, tokens.VERIFY])
def test_tampered_or_foreign_tokens_are_refused(
    client: FlaskClient, create_user, csrf_token, purpose: str
) -> None:
    user = create_user(verified=False)
    token = tokens.issue(user, purpose)
    prefix = {tokens.LOGIN: "/login/link/", tokens.RESET: "/reset/", tokens.VERIFY: "/verify/"}
    forged = [
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        token.replace(token.split(".")[0], token.split(".")[0][::-1]),
        tokens.issue(user, tokens.CHANGE_EMAIL, email="x@example.org"),  # wrong purpose
        "not-a-token",
    ]
    for bad in forged:
        response = client.get(prefix[purpose] + bad)
        assert response.status_code == 400, bad
        assert "Lenken virker ikke" in response.get_data(as_text=True)
    assert not reload(user).is_verified


def test_reset_sets_the_password_once_and_ends_every_session(
    mail_app: Flask, mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, csrf_token, login
) -> None:
    user = create_user()
    elsewhere = mail_app.test_client()
    login(elsewhere, user)
    assert _is_logged_in(elsewhere)

    post_form(mail_client, "/reset", {"email": user.email}, csrf_token)
    (mail,) = smtp_sink.wait_for_mail(user.email)
    path = link_in(mail)

    mismatch = post_form(
        mail_client, path, {"password": NEW_PASSWORD, "confirm": "something else"}, csrf_token
    )
    assert mismatch.status_code == 422
    assert "Passordene er ikke like." in mismatch.get_data(as_text=True)

    done = post_form(
        mail_client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, csrf_token
    )
    assert done.status_code == 200
    assert not _is_logged_in(elsewhere)
    assert service.check_password(reload(user), NEW_PASSWORD)

    again = post_form(
        mail_client,
        path,
        {"password": PASSWORD + "!", "confirm": PASSWORD + "!"},
        csrf_token,
        form_page="/login",
    )
    assert again.status_code == 400

    login_ok = post_form(
        mail_client, "/login", {"email": user.email, "password": NEW_PASSWORD}, csrf_token
    )
    assert login_ok.status_code == 303


def test_reset_link_expires(client: FlaskClient, app: Flask, create_user, csrf_token) -> None:
    user = create_user()
    path = f"/reset/{tokens.issue(user, tokens.RESET)}"
    token = csrf_token(client, "/login")
    later = datetime.now(UTC) + timedelta(seconds=app.config["RESET_PASSWORD_MAX_AGE"] + 5)
    with time_machine.travel(later, tick=False):
        response = client.post(
            path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
    assert response.status_code == 400
    assert "utløpt" in response.get_data(as_text=True)
    assert service.check_password(user, PASSWORD)


def test_verification_link_is_single_use(client: FlaskClient, create_user, csrf_token) -> None:
    user = create_user(verified=False)
    path = f"/verify/{tokens.issue(user, tokens.VERIFY)}"
    assert post_form(client, path, {"password": PASSWORD}, csrf_token).status_code == 200
    assert reload(user).is_verified
    assert client.get(path).status_code == 400


def test_mails_go_out_in_the_recipients_language_with_absolute_links(
    mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, csrf_token
) -> None:
    english = create_user(locale="en")
    norwegian = create_user(locale="nb")
    for user in (english, norwegian):
        post_form(mail_client, "/reset", {"email": user.email}, csrf_token)
    (en_mail,) = smtp_sink.wait_for_mail(english.email)
    (nb_mail,) = smtp_sink.wait_for_mail(norwegian.email)
    assert en_mail["Content-Language"] == "en"
    assert nb_mail["Content-Language"] == "nb"
    html = nb_mail.get_body(preferencelist=("html",)).get_content()
    assert 'href="http://localhost/reset/' in html
    assert link_in(nb_mail).startswith("/reset/")

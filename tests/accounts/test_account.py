"""The account page: profile, language, e-mail and password changes, sessions, data, deletion."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts import service
from portal.accounts.hooks import account_hooks
from portal.accounts.models import User
from portal.refused import Refused
from tests.accounts.conftest import link_in, post_form, reload
from tests.conftest import PASSWORD, count_rows
from tests.support.services import SmtpSink, body_text

NEW_PASSWORD = "another rather long passphrase"


def blocker_for_tests(user: User) -> None:
    if user.name == "Blokkert":
        raise Refused("Du er siste eier av en organisasjon.")


def exporter_for_tests(user: User) -> dict:
    return {"greeting": f"hei {user.name}"}


def test_account_needs_login_and_comes_back_after_it(client: FlaskClient) -> None:
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_profile_name_and_language_are_saved(
    client: FlaskClient, create_user, login, csrf_token
) -> None:
    user = create_user(name="Gammelt Navn")
    login(client, user)
    response = post_form(client, "/account", {"name": "Nytt Navn", "locale": "en"}, csrf_token)
    assert response.status_code == 303
    fresh = reload(user)
    assert fresh.name == "Nytt Navn" and fresh.locale == "en"
    empty = post_form(client, "/account", {"name": "  ", "locale": "nb"}, csrf_token)
    assert empty.status_code == 422
    assert reload(user).name == "Nytt Navn"


def test_change_email_happens_only_when_the_new_address_confirms(
    mail_app: Flask, mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, login, csrf_token
) -> None:
    user = create_user()
    old = user.email
    login(mail_client, user)
    wrong = post_form(
        mail_client,
        "/account/email",
        {"email": "ny@example.org", "password": "wrong-pass-1"},
        csrf_token,
    )
    assert wrong.status_code == 422
    sent = post_form(
        mail_client,
        "/account/email",
        {"email": "ny@example.org", "password": PASSWORD},
        csrf_token,
    )
    assert sent.status_code == 200
    (mail,) = smtp_sink.wait_for_mail("ny@example.org")
    assert reload(user).email == old
    path = link_in(mail)
    assert mail_client.get(path).status_code == 200
    assert reload(user).email == old

    confirm = post_form(mail_client, path, {}, csrf_token)
    assert confirm.status_code == 303
    assert reload(user).email == "ny@example.org"
    (notice,) = smtp_sink.wait_for_mail(old)
    assert "ny@example.org" in body_text(notice)
    assert post_form(mail_client, path, {}, csrf_token, form_page="/account").status_code == 400


def test_change_email_to_a_taken_address_changes_nothing_and_tells_that_address(
    mail_client: FlaskClient, smtp_sink: SmtpSink, create_user, login, csrf_token
) -> None:
    user = create_user()
    other = create_user()
    login(mail_client, user)
    response = post_form(
        mail_client, "/account/email", {"email": other.email, "password": PASSWORD}, csrf_token
    )
    assert response.status_code == 200
    (mail,) = smtp_sink.wait_for_mail(other.email)
    assert "/account/email/" not in body_text(mail)
    assert reload(user).email != other.email


def test_change_password_keeps_this_browser_and_ends_the_others(
    app: Flask, client: FlaskClient, create_user, login, csrf_token
) -> None:
    user = create_user()
    login(client, user)
    other = app.test_client()
    login(other, user)
    bad = [
        ({"current": "wrong-pass-123", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "feil"),
        (
            {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "no match at all"},
            "ikke like",
        ),
        ({"current": PASSWORD, "password": "short", "confirm": "short"}, "minst 10"),
    ]
    for data, message in bad:
        response = post_form(client, "/account/password", data, csrf_token)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    ok = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        csrf_token,
    )
    assert ok.status_code == 303
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert service.check_password(reload(user), NEW_PASSWORD)


def test_logout_everywhere_kills_another_clients_session(
    app: Flask, client: FlaskClient, create_user, login, csrf_token
) -> None:
    user = create_user()
    login(client, user)
    phone = app.test_client()
    login(phone, user)
    assert phone.get("/account").status_code == 200
    response = post_form(client, "/account/logout-everywhere", {}, csrf_token, form_page="/account")
    assert response.status_code == 303
    assert phone.get("/account").status_code == 302
    assert client.get("/account").status_code == 200


def test_data_download_contains_the_users_data(
    client: FlaskClient, create_user, login, monkeypatch
) -> None:
    hooks = account_hooks()
    monkeypatch.setattr(hooks, "export_sections", {})
    hooks.add_export_section("tests", exporter_for_tests)
    user = create_user(name="Data Eier", locale="en")
    login(client, user)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == user.email
    assert data["account"]["name"] == "Data Eier"
    assert data["account"]["locale"] == "en"
    assert "password_hash" not in json.dumps(data)
    assert data["tests"] == {"greeting": "hei Data Eier"}


def test_delete_needs_the_right_password_and_removes_the_row(
    client: FlaskClient, create_user, login, csrf_token
) -> None:
    user = create_user()
    keep = create_user()
    login(client, user)
    before = count_rows("users")
    wrong = post_form(client, "/account/delete", {"password": "wrong-pass-123"}, csrf_token)
    assert wrong.status_code == 422
    assert "Passordet er feil" in wrong.get_data(as_text=True)
    assert count_rows("users") == before
    ok = post_form(client, "/account/delete", {"password": PASSWORD}, csrf_token)
    assert ok.status_code == 303
    assert reload(user) is None
    assert reload(keep) is not None
    assert count_rows("users") == before - 1
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("name", ["Blokkert"])
def test_delete_honours_blockers(
    client: FlaskClient, create_user, login, csrf_token, monkeypatch, name: str
) -> None:
    hooks = account_hooks()
    monkeypatch.setattr(hooks, "deletion_blockers", [])
    hooks.add_deletion_blocker(blocker_for_tests)
    user = create_user(name=name)
    login(client, user)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "siste eier" in page
    token = csrf_token(client, "/account")
    response = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 422
    assert reload(user) is not None

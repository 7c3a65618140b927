"""Password storage: argon2id with OWASP parameters, old hashes upgraded, weak ones refused."""

from __future__ import annotations

from argon2 import extract_parameters
from argon2.low_level import Type
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from portal.accounts import passwords, service
from portal.extensions import db
from tests.accounts.conftest import post_form, reload
from tests.conftest import PASSWORD


def test_new_hashes_are_argon2id_with_owasp_parameters() -> None:
    stored = passwords.hash_password("a long enough passphrase")
    params = extract_parameters(stored)
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism == 1
    assert passwords.verify_password(stored, "a long enough passphrase")
    assert not passwords.verify_password(stored, "a long enough passphrasE")


def test_old_werkzeug_hashes_are_upgraded_at_login(app: Flask, create_user, csrf_token) -> None:
    for method in ("scrypt", "pbkdf2:sha256:600000"):
        user = create_user()
        user.password_hash = generate_password_hash(PASSWORD, method=method)
        db.session.flush()
        client = app.test_client()
        response = post_form(
            client, "/login", {"email": user.email, "password": PASSWORD}, csrf_token
        )
        assert response.status_code == 303, method
        stored = reload(user).password_hash
        assert stored.startswith("$argon2id$"), method
        assert passwords.verify_password(stored, PASSWORD)


def test_common_password_is_refused_at_sign_up(client: FlaskClient, csrf_token) -> None:
    assert passwords.is_common("Password123")
    response = post_form(
        client,
        "/signup",
        {"name": "A", "email": "c@example.org", "password": "Password123"},
        csrf_token,
    )
    assert response.status_code == 422
    assert "for vanlig" in response.get_data(as_text=True)


def test_a_1000_character_pasted_passphrase_works(client: FlaskClient, csrf_token) -> None:
    phrase = ("Fjellet er høyt, fjorden er dyp – og strategien er lang. " * 20)[:1000]
    assert len(phrase) == 1000
    signup = post_form(
        client,
        "/signup",
        {"name": "Lang", "email": "long@example.org", "password": phrase},
        csrf_token,
    )
    assert signup.status_code == 200
    user = service.find_by_email("long@example.org")
    user.email_verified_at = user.created_at
    db.session.flush()
    login = post_form(
        client, "/login", {"email": "long@example.org", "password": phrase}, csrf_token
    )
    assert login.status_code == 303
    wrong = passwords.verify_password(reload(user).password_hash, phrase[:-1])
    assert not wrong

"""Flask-Login's "basic" session protection: a session used from another address or browser
than the one that logged in is no longer fresh (it stays logged in)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import flask_login.utils
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts.conftest import post_form
from tests.conftest import PASSWORD

FIREFOX = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0"}
CHROME = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"}


def _log_in(client: FlaskClient, create_user: Callable[..., object], csrf_token) -> None:
    user = create_user()
    client.environ_base.update({"HTTP_USER_AGENT": FIREFOX["User-Agent"]})
    post_form(client, "/login", {"email": user.email, "password": PASSWORD}, csrf_token)
    client.environ_base.pop("HTTP_USER_AGENT")


def _session(client: FlaskClient) -> dict[str, object]:
    with client.session_transaction() as session:
        return dict(session)


def test_the_browser_that_logged_in_stays_fresh_and_another_does_not(
    client: FlaskClient, create_user, csrf_token
) -> None:
    _log_in(client, create_user, csrf_token)
    # The session names the browser as Flask-Login does: sha512 of "address|agent".
    agent = FIREFOX["User-Agent"].encode()
    expected = hashlib.sha512(f"b'127.0.0.1'|{agent}".encode()).hexdigest()
    assert _session(client)["_id"] == expected
    for _ in range(2):
        assert client.get("/account", headers=FIREFOX).status_code == 200
        assert _session(client)["_fresh"] is True
    assert client.get("/account", headers=CHROME).status_code == 200  # still logged in …
    assert _session(client)["_fresh"] is False  # … but no longer fresh


@pytest.mark.parametrize("forwarded", ["203.0.113.9", "203.0.113.9, 10.0.0.1"])
def test_another_address_is_another_browser(
    client: FlaskClient, create_user, csrf_token, forwarded: str
) -> None:
    _log_in(client, create_user, csrf_token)
    assert client.get("/account", headers=FIREFOX).status_code == 200
    assert _session(client)["_fresh"] is True
    client.get("/account", headers={**FIREFOX, "X-Forwarded-For": forwarded})
    assert _session(client)["_fresh"] is False


def test_a_browser_is_named_once_per_worker(
    app: Flask, client: FlaskClient, create_user, csrf_token, monkeypatch: pytest.MonkeyPatch
) -> None:
    _log_in(client, create_user, csrf_token)
    hashed: list[bytes] = []

    class Counting:
        def __init__(self) -> None:
            self._hash = hashlib.sha512()

        def update(self, data: bytes) -> None:
            hashed.append(data)
            self._hash.update(data)

        def hexdigest(self) -> str:
            return self._hash.hexdigest()

    monkeypatch.setattr(flask_login.utils, "sha512", Counting)
    for _ in range(3):
        client.get("/account", headers=FIREFOX)
    other = {"User-Agent": "a browser not seen before/1.0"}
    client.get("/account", headers=other)
    client.get("/account", headers=other)
    assert hashed == [f"b'127.0.0.1'|{other['User-Agent'].encode()}".encode()]

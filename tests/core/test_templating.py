"""The template csrf_token(): its signed form kept per session for a minute, still checked."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from portal.accounts.models import User

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _logout_token(client: FlaskClient) -> str:
    match = _TOKEN.search(client.get("/").get_data(as_text=True))
    assert match, "no logout form in the header"
    return match.group(1)


def test_the_logout_token_is_reused_and_still_logs_out(
    client: FlaskClient, create_user: Callable[..., User], login
) -> None:
    login(client, create_user())
    first = _logout_token(client)
    assert _logout_token(client) == first  # signed once, not on every page
    assert client.post("/logout", data={"csrf_token": first}).status_code == 303
    assert client.get("/account").status_code == 302


def test_another_sessions_token_does_not_log_out(
    app, create_user: Callable[..., User], login
) -> None:
    victim, attacker = app.test_client(), app.test_client()
    login(victim, create_user())
    login(attacker, create_user())
    stolen = _logout_token(attacker)
    assert _logout_token(victim) != stolen
    assert victim.post("/logout", data={"csrf_token": stolen}).status_code == 400
    assert victim.get("/account").status_code == 200
    assert victim.post("/logout", data={}).status_code == 400

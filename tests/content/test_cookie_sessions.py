"""The per-worker map of verified session cookies: keyed by the exact string, bounded, never
a way around the signature or around a session that was ended."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from portal.accounts import cookie_sessions
from portal.accounts import service as accounts_service
from portal.accounts.cookie_sessions import KeptCookieSessions
from portal.content.models import Article
from tests.content.conftest import CANARY


def _cookie(app: Flask, client: FlaskClient) -> str:
    found = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert found is not None
    return found.value


def _kept(app: Flask, value: str) -> bool:
    interface = app.session_interface
    assert isinstance(interface, KeptCookieSessions)
    return (value, app.secret_key) in interface._kept


def _reads(client: FlaskClient, article: Article) -> bool:
    return CANARY[article.access] in client.get(f"/articles/{article.slug}").get_data(as_text=True)


def test_an_unchanged_cookie_is_kept_and_still_logs_the_reader_in(
    app: Flask, client: FlaskClient, canaries: dict[str, Article], readers, login
) -> None:
    login(client, readers.subscriber)
    assert _reads(client, canaries["paid"])  # may set the cookie once (CSRF token, _id)
    value = _cookie(app, client)
    assert _reads(client, canaries["paid"])
    assert _cookie(app, client) == value and _kept(app, value)
    assert _reads(client, canaries["paid"])  # from the kept answer: same reader, same page


def test_logout_everywhere_ends_a_kept_cookie_on_the_next_request(
    app: Flask, client: FlaskClient, canaries: dict[str, Article], readers, login
) -> None:
    login(client, readers.subscriber)
    assert _reads(client, canaries["paid"]) and _reads(client, canaries["paid"])
    value = _cookie(app, client)
    assert _kept(app, value)
    accounts_service.end_other_sessions(readers.subscriber)
    assert not _reads(client, canaries["paid"])
    assert not _reads(client, canaries["members"])


@pytest.mark.parametrize("part", ["signature", "payload"])
def test_a_changed_cookie_never_hits_and_is_never_kept(
    app: Flask,
    client: FlaskClient,
    canaries: dict[str, Article],
    readers,
    login,
    part: str,
) -> None:
    login(client, readers.subscriber)
    assert _reads(client, canaries["paid"]) and _reads(client, canaries["paid"])
    value = _cookie(app, client)
    assert _kept(app, value)
    payload, _, signature = value.rpartition(".")
    if part == "signature":
        forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    else:
        other = app.session_interface.get_signing_serializer(app).dumps(  # type: ignore[attr-defined]
            {"_user_id": readers.staff.get_id(), "_fresh": True}
        )
        forged = f"{other.rpartition('.')[0]}.{signature}"
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)
    page = client.get(f"/articles/{canaries['paid'].slug}").get_data(as_text=True)
    assert CANARY["paid"] not in page and CANARY["members"] not in page
    assert not _kept(app, forged)


def _signed(app: Flask, data: dict[str, object]) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)  # type: ignore[attr-defined]


def _open(app: Flask, interface: KeptCookieSessions, value: str) -> dict[str, object]:
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={value}"}) as ctx:
        session = interface.open_session(app, ctx.request)
        assert session is not None
        return dict(session)


def test_the_map_is_bounded_and_drops_the_oldest(app: Flask) -> None:
    interface = KeptCookieSessions(size=3)
    cookies = [_signed(app, {"_user_id": f"{n}:1"}) for n in range(5)]
    for n, value in enumerate(cookies):
        assert _open(app, interface, value) == {"_user_id": f"{n}:1"}
    assert len(interface) == 3
    assert [key[0] for key in interface._kept] == cookies[2:]
    assert _open(app, interface, cookies[0]) == {"_user_id": "0:1"}  # verified again
    assert len(interface) == 3


def test_a_request_changing_its_session_does_not_change_the_kept_answer(app: Flask) -> None:
    interface = KeptCookieSessions()
    value = _signed(app, {"_user_id": "1:1", "_flashes": [["info", "hei"]]})
    name = app.config["SESSION_COOKIE_NAME"]
    for _ in range(2):
        with app.test_request_context("/", headers={"Cookie": f"{name}={value}"}) as ctx:
            session = interface.open_session(app, ctx.request)
            assert session is not None
            assert session["_flashes"] == [["info", "hei"]]
            session["_flashes"].append(["info", "igjen"])
            session["lang"] = "en"


def test_a_kept_cookie_stops_working_when_it_is_too_old(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    interface = KeptCookieSessions()
    max_age = int(app.permanent_session_lifetime.total_seconds())
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - max_age + 5)
    value = _signed(app, {"_user_id": "1:1"})
    monkeypatch.setattr(time, "time", lambda: now)
    assert _open(app, interface, value) == {"_user_id": "1:1"}  # kept, 5 s left
    monkeypatch.setattr(time, "time", lambda: now + 10)
    assert _open(app, interface, value) == {}  # expired: checked again, refused
    assert _open(app, interface, _signed(app, {"_user_id": "1:1"})) == {"_user_id": "1:1"}


def test_a_cookie_header_seen_before_is_not_parsed_again_and_still_names_the_session(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    interface = KeptCookieSessions()
    name = app.config["SESSION_COOKIE_NAME"]
    mine = _signed(app, {"_user_id": "1:1"})
    theirs = _signed(app, {"_user_id": "2:1"})
    parsed: list[str] = []
    parse = cookie_sessions.parse_cookie

    def counting(header: str, *args: object, **kwargs: object) -> object:
        parsed.append(header)
        return parse(header, *args, **kwargs)

    monkeypatch.setattr(cookie_sessions, "parse_cookie", counting)

    def session_for(header: str) -> dict[str, object]:
        # A bare request (no context pushed, so the app's own sessions parse nothing here).
        request = app.request_class(EnvironBuilder("/", headers={"Cookie": header}).get_environ())
        session = interface.open_session(app, request)
        assert session is not None
        return dict(session)

    mine_with_more = f"consent=yes; {name}={mine}; theme=dark"
    assert session_for(mine_with_more) == {"_user_id": "1:1"}
    assert session_for(mine_with_more) == {"_user_id": "1:1"}
    assert parsed == [mine_with_more]  # the second request read the kept answer
    # Any other header text is parsed afresh: another reader, or no session cookie at all.
    assert session_for(f"consent=yes; {name}={theirs}; theme=dark") == {"_user_id": "2:1"}
    assert session_for("consent=yes; theme=dark") == {}
    assert session_for("consent=yes; theme=dark") == {}
    assert session_for(f"{name}={mine}A") == {}  # forged: parsed, then refused by the signature
    assert len(parsed) == 4


def test_the_map_of_cookie_headers_is_bounded(app: Flask) -> None:
    interface = KeptCookieSessions(size=3)
    name = app.config["SESSION_COOKIE_NAME"]
    value = _signed(app, {"_user_id": "1:1"})
    for n in range(5):
        with app.test_request_context("/", headers={"Cookie": f"n={n}; {name}={value}"}) as ctx:
            interface.open_session(app, ctx.request)
    assert [header for header, _ in interface._in_header] == [
        f"n={n}; {name}={value}" for n in (2, 3, 4)
    ]

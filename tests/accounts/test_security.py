"""Open redirects, CSRF, rate limits (also with Redis down), cookies and session endings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts import service
from portal.extensions import db
from tests.accounts.conftest import post_form, reload
from tests.conftest import PASSWORD, count_rows

OPEN_REDIRECTS = [
    "//evil.com",
    "///evil.com",
    "https://evil.com",
    "http://evil.com/login",
    "/\\evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%2F%2Fevil.com",
    "%2F%2Fevil.com",
    "http:/evil.com",
    "https:evil.com",
    " //evil.com",
    "\t//evil.com",
    "/\t/evil.com",
    "//evil.com/%2F..",
    "/login?next=//evil.com",
    "/login?next=https://evil.com",
    "evil.com",
    "@evil.com",
    "http://localhost@evil.com",
]


def _lands_on_site(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.scheme in ("", "http")
        and parts.netloc in ("", "localhost")
        and (location.startswith("/") and not location.startswith("//") and "\\" not in location)
    )


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_site(
    client: FlaskClient, create_user, csrf_token, target: str
) -> None:
    user = create_user()
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": target}, csrf_token
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert _lands_on_site(location), location
    if location.startswith("/login"):
        # A chain through the login page is refused there too.
        follow = client.get(location)
        assert follow.status_code == 302
        assert _lands_on_site(follow.headers["Location"]), follow.headers["Location"]


def test_next_to_a_local_page_is_followed(client: FlaskClient, create_user, csrf_token) -> None:
    user = create_user()
    page = client.get("/login?next=/account/password").get_data(as_text=True)
    assert 'value="/account/password"' in page
    response = post_form(
        client,
        "/login",
        {"email": user.email, "password": PASSWORD, "next": "/account/password"},
        csrf_token,
    )
    assert response.headers["Location"] == "/account/password"


def test_forms_without_csrf_token_are_refused_and_change_nothing(
    client: FlaskClient, create_user, login
) -> None:
    user = create_user(name="Uendret")
    anonymous = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert anonymous.status_code == 400
    assert client.get("/account").status_code == 302
    login(client, user)
    for path, data in [
        ("/account", {"name": "Endret", "locale": "en"}),
        ("/account/delete", {"password": PASSWORD}),
        ("/logout", {}),
        ("/account/logout-everywhere", {}),
        ("/account/password", {"current": PASSWORD, "password": "x" * 20, "confirm": "x" * 20}),
    ]:
        assert client.post(path, data=data).status_code == 400, path
    fresh = reload(user)
    assert fresh is not None and fresh.name == "Uendret" and fresh.session_version == 1
    assert client.get("/account").status_code == 200


def test_csrf_is_on_in_a_fresh_app(make_app, base_app: Flask) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post(
        "/signup", data={"name": "A", "email": "csrf@example.org", "password": PASSWORD}
    )
    assert response.status_code == 400
    with app.app_context():
        assert service.find_by_email("csrf@example.org") is None


def test_csrf_checks_exactly_the_configured_methods_and_keeps_exemptions(
    make_app, base_app: Flask
) -> None:
    default = make_app().test_client()
    assert default.get("/contact").status_code == 200
    assert default.head("/contact").status_code == 200
    assert default.post("/contact", data={"message": "hei"}).status_code == 400
    assert default.post("/language", data={"lang": "en", "next": "/"}).status_code == 303  # exempt
    strict = make_app(WTF_CSRF_METHODS=["GET", "POST"]).test_client()
    assert strict.get("/contact").status_code == 400  # a GET without a token, when asked to
    assert strict.post("/language", data={"lang": "en", "next": "/"}).status_code == 303


def test_login_is_rate_limited_per_address_with_retry_after(
    app: Flask, client: FlaskClient, create_user, csrf_token, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "ACCOUNTS_RATE_LIMIT_EMAIL", "3 per minute")
    user = create_user()
    token = csrf_token(client, "/login")
    for _ in range(3):
        response = client.post(
            "/login", data={"csrf_token": token, "email": user.email, "password": "wrong-one-12"}
        )
        assert response.status_code == 422
    blocked = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "For mange forsøk" in blocked.get_data(as_text=True)
    # Another address from the same IP is still served (until the IP limit).
    other = create_user()
    ok = client.post(
        "/login", data={"csrf_token": token, "email": other.email, "password": PASSWORD}
    )
    assert ok.status_code == 303


@pytest.mark.parametrize("path", ["/signup", "/reset", "/login/link", "/login"])
def test_sign_in_forms_are_rate_limited_per_ip(
    app: Flask, client: FlaskClient, csrf_token, monkeypatch, path: str
) -> None:
    monkeypatch.setitem(app.config, "ACCOUNTS_RATE_LIMIT_IP", "2 per minute")
    token = csrf_token(client, path)
    statuses = [
        client.post(
            path,
            data={"csrf_token": token, "email": f"ip{i}@example.org", "name": "X", "password": "p"},
        ).status_code
        for i in range(3)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:2]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/account/password", {"current": "wrong-guess-1", "password": "x", "confirm": "x"}),
        ("/account/delete", {"password": "wrong-guess-1"}),
        ("/account/email", {"email": "target@example.org", "password": "wrong-guess-1"}),
    ],
)
def test_password_checking_account_forms_are_rate_limited(
    app: Flask, client: FlaskClient, create_user, login, csrf_token, monkeypatch, path, data
) -> None:
    # A borrowed session must not become a password oracle or a mail cannon.
    monkeypatch.setitem(app.config, "ACCOUNTS_RATE_LIMIT_IP", "2 per minute")
    login(client, create_user())
    token = csrf_token(client, path)
    statuses = [client.post(path, data={**data, "csrf_token": token}).status_code for _ in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2]


def test_login_works_with_redis_down(
    make_app, committed_app: Flask, redis_server, csrf_token
) -> None:
    app = make_app(REDIS_URL=redis_server.url)
    with app.app_context():
        user = service.create_user("redis-down@example.org", "R", PASSWORD, verified=True)
        db.session.commit()
        email = user.email
    client = app.test_client()
    token = csrf_token(client, "/login")
    first = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert first.status_code == 303
    redis_server.stop()
    client2 = app.test_client()
    token = csrf_token(client2, "/login")
    response = client2.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303
    assert client2.get("/account").status_code == 200
    # Sign-up too: the verification mail waits in the outbox for the broker to return.
    client3 = app.test_client()
    token = csrf_token(client3, "/signup")
    signup = client3.post(
        "/signup",
        data={"csrf_token": token, "name": "N", "email": "new@example.org", "password": PASSWORD},
    )
    assert signup.status_code == 200
    with app.app_context():
        assert service.find_by_email("new@example.org") is not None
        assert count_rows("outbox_items") == 1


def test_remember_me_cookie_is_bounded_and_http_only(
    client: FlaskClient, create_user, csrf_token
) -> None:
    user = create_user()
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"}, csrf_token
    )
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert cookies, response.headers.getlist("Set-Cookie")
    remember = client.get_cookie("remember_token")
    assert remember.http_only and remember.same_site == "Lax"
    lifetime = remember.expires - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30, minutes=1)
    session_cookie = client.get_cookie("session")
    assert session_cookie.http_only and session_cookie.same_site == "Lax"


def test_remember_cookie_alone_logs_in_until_logout_everywhere(
    app: Flask, client: FlaskClient, create_user, csrf_token
) -> None:
    user = create_user()
    post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"}, csrf_token
    )
    remembered = client.get_cookie("remember_token").value
    device = app.test_client()
    device.set_cookie("remember_token", remembered)
    assert device.get("/account").status_code == 200

    post_form(client, "/account/logout-everywhere", {}, csrf_token, form_page="/account")
    assert client.get("/account").status_code == 200  # this browser stays in
    stale = app.test_client()
    stale.set_cookie("remember_token", remembered)
    assert stale.get("/account").status_code == 302
    assert device.get("/account").status_code == 302


def test_secure_cookies_in_production(make_app) -> None:
    app = make_app(VEIVALG_ENV="production", SECRET_KEY="x" * 40)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)


def test_login_rotates_the_session(client: FlaskClient, create_user, csrf_token) -> None:
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    post_form(client, "/login", {"email": user.email, "password": PASSWORD}, csrf_token)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:1"

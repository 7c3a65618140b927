"""The exact header list of the portal's responses: names, values and order, for anonymous and
logged-in readers, pages, JSON, errors and redirects. Pinned so that the per-request machinery
(security headers, Content-Language/Vary, the request id, the session) can be made cheaper
without a browser, a cache or a proxy seeing any difference."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask, Response, make_response
from flask.testing import FlaskClient

from portal import PortalResponse
from portal.accounts.models import User
from portal.extensions import db
from portal.security import CSP
from tests.conftest import login_as

RID = "pinned-request-0001"
ASK = {"X-Request-ID": RID, "Accept-Language": "en"}
SECURITY = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
HTML = ("Content-Type", "text/html; charset=utf-8")
JSON = ("Content-Type", "application/json")
LENGTH = ("Content-Length", "…")
COOKIE = ("Set-Cookie", "session=…; HttpOnly; Path=/; SameSite=Lax")
SECURE_COOKIE = ("Set-Cookie", "session=…; Secure; HttpOnly; Path=/; SameSite=Lax")
PRIVATE = [("Cache-Control", "no-store"), ("Vary", "Cookie, Accept-Language")]


def shown(response: Response) -> list[tuple[str, str]]:
    """The header list as sent, with the values that differ per run (a length that depends on
    a token in the page, a signed cookie) reduced to their shape."""
    out = []
    for name, value in response.headers.items():
        if name == "Content-Length":
            value = "…"
        elif name == "Set-Cookie":
            value = "session=…;" + value.split(";", 1)[1] if value.startswith("session=") else value
        out.append((name, value))
    return out


def test_anonymous_responses(client: FlaskClient) -> None:
    assert shown(client.get("/", headers=ASK)) == [
        HTML,
        LENGTH,
        ("Vary", "Cookie, Accept-Language"),
        ("Cache-Control", "public, no-cache"),
        *SECURITY,
        ("Content-Language", "en"),
        ("X-Request-ID", RID),
    ]
    assert shown(client.get("/healthz", headers=ASK)) == [
        JSON,
        LENGTH,
        *SECURITY,
        ("Vary", "Cookie"),
        ("X-Request-ID", RID),
    ]


def test_anonymous_errors_and_redirects(client: FlaskClient) -> None:
    assert shown(client.get("/no-such-page", headers=ASK)) == [
        HTML,
        LENGTH,
        *SECURITY,
        ("Vary", "Cookie, Accept-Language"),
        ("Content-Language", "en"),
        ("X-Request-ID", RID),
    ]
    assert shown(client.get("/api/nothing", headers=ASK)) == [
        JSON,
        LENGTH,
        *SECURITY,
        ("Vary", "Cookie"),
        ("X-Request-ID", RID),
    ]
    # The login page's flash message goes into the session: a cookie is set.
    assert shown(client.get("/account", headers=ASK)) == [
        HTML,
        LENGTH,
        ("Location", "/login?next=%2Faccount"),
        *SECURITY,
        ("Vary", "Cookie, Accept-Language"),
        ("Content-Language", "en"),
        ("X-Request-ID", RID),
        COOKIE,
    ]


def test_logged_in_responses(
    client: FlaskClient, create_user: Callable[..., User], login: Callable[..., None]
) -> None:
    login(client, create_user())
    # The first page marks the session as seen from this browser and puts a CSRF token in it.
    first = [HTML, LENGTH, *SECURITY, *PRIVATE, ("Content-Language", "nb"), ("X-Request-ID", RID)]
    assert shown(client.get("/account", headers=ASK)) == [*first, COOKIE]
    assert shown(client.get("/account", headers=ASK)) == first
    assert shown(client.get("/", headers=ASK)) == first
    assert shown(client.get("/healthz", headers=ASK)) == [
        JSON,
        LENGTH,
        *SECURITY,
        ("Cache-Control", "no-store"),
        ("Vary", "Cookie"),
        ("X-Request-ID", RID),
    ]


def test_logged_in_errors_and_redirects(
    client: FlaskClient, create_user: Callable[..., User], login: Callable[..., None]
) -> None:
    login(client, create_user())
    client.get("/account")
    tail = [*SECURITY, *PRIVATE, ("Content-Language", "nb"), ("X-Request-ID", RID)]
    assert shown(client.get("/no-such-page", headers=ASK)) == [HTML, LENGTH, *tail]
    assert shown(client.get("/login", headers=ASK)) == [HTML, LENGTH, ("Location", "/"), *tail]
    changed = client.post("/language", data={"lang": "en", "next": "/"}, headers=ASK)
    assert changed.status_code == 303
    assert shown(changed) == [
        HTML,
        LENGTH,
        ("Location", "/"),
        *SECURITY,
        *PRIVATE,
        ("Content-Language", "en"),
        ("X-Request-ID", RID),
        COOKIE,
    ]


def test_production_adds_hsts_after_the_other_security_headers(
    make_app: Callable[..., Flask], base_app: Flask, create_user: Callable[..., User]
) -> None:
    app = make_app(VEIVALG_ENV="production", SECRET_KEY="p" * 40)
    client = app.test_client()
    assert shown(client.get("/healthz", headers=ASK)) == [
        JSON,
        LENGTH,
        *SECURITY,
        HSTS,
        ("Vary", "Cookie"),
        ("X-Request-ID", RID),
    ]
    assert shown(client.get("/no-such-page", headers=ASK)) == [
        HTML,
        LENGTH,
        *SECURITY,
        HSTS,
        ("Vary", "Cookie, Accept-Language"),
        ("Content-Language", "en"),
        ("X-Request-ID", RID),
    ]


@pytest.mark.parametrize("logged_in", [False, True])
def test_a_view_that_sets_its_own_headers_keeps_them_in_place(
    make_app: Callable[..., Flask],
    base_app: Flask,
    create_user: Callable[..., User],
    logged_in: bool,
) -> None:
    app = make_app()

    @app.get("/_own-headers")
    def own() -> Response:
        response = make_response("<p>egen</p>")
        response.headers["Cache-Control"] = "private, max-age=5"
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Language"] = "se"
        response.headers.add("Vary", "Origin")
        return response

    client = app.test_client()
    with app.app_context():
        # As the `app` fixture: every change on one connection, rolled back afterwards.
        engine = db.engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        db.engines[None] = connection  # type: ignore[index]
        try:
            if logged_in:
                login_as(client, create_user())
                client.get("/_own-headers")
            got = shown(client.get("/_own-headers", headers=ASK))
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            db.engines[None] = engine  # type: ignore[index]
    security = [h for h in SECURITY if h[0] != "X-Frame-Options"]
    if logged_in:
        assert got == [
            HTML,
            LENGTH,
            ("Cache-Control", "no-store"),
            ("Vary", "Cookie, Accept-Language"),
            ("X-Frame-Options", "SAMEORIGIN"),
            ("Content-Language", "se"),
            *security,
            ("X-Request-ID", RID),
        ]
    else:
        # Werkzeug rewrites the first Vary in place and drops the second (as it always has).
        assert got == [
            HTML,
            LENGTH,
            ("Cache-Control", "private, max-age=5"),
            ("Vary", "Accept-Encoding, Cookie, Accept-Language"),
            ("X-Frame-Options", "SAMEORIGIN"),
            ("Content-Language", "se"),
            *security,
            ("X-Request-ID", RID),
        ]


def _streamed() -> Iterator[bytes]:
    yield b"a"


@pytest.mark.parametrize(
    ("body", "status", "extra"),
    [
        ("<p>side</p>", 200, {}),
        ("<p>finnes ikke</p>", 404, {"Vary": "Cookie"}),
        ("", 204, {}),
        ("", 304, {"Content-Type": "text/html", "Expires": "0", "ETag": "x"}),
        ("", 302, {"Location": "/sted/ø?a=1"}),
        ("x", 200, {"Content-Location": "/ø"}),
        (None, 200, {}),  # streamed: no length to set
        ("x", 200, {"Content-Length": "1", "X-Extra": "1"}),
    ],
)
def test_the_headers_handed_to_the_server_are_werkzeugs(
    app: Flask, body: str | None, status: int, extra: dict[str, str]
) -> None:
    """The portal's response class hands over a plain copy where Werkzeug would change nothing:
    the same list as Werkzeug's own, for every kind of response."""
    assert app.response_class is PortalResponse
    environ = {"REQUEST_METHOD": "GET", "SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    made = PortalResponse(_streamed() if body is None else body, status=status)
    for name, value in extra.items():
        made.headers[name] = value
    handed = made.get_wsgi_headers(environ)
    assert list(handed) == list(Response.get_wsgi_headers(made, environ))
    handed.add("X-Server-Added", "1")  # a copy: the response's own headers stay as they were
    assert "X-Server-Added" not in made.headers

"""Health, readiness, security headers, error pages and the language switch."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import text

from portal.extensions import db


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_database_and_redis_off(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "off", "payments": "off"}


def test_readyz_names_redis_when_it_is_down(make_app, redis_server) -> None:
    app = make_app(REDIS_URL=redis_server.url)
    client = app.test_client()
    assert client.get("/readyz").json == {"database": "ok", "redis": "ok", "payments": "off"}
    redis_server.stop()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"database": "ok", "redis": "down", "payments": "off"}


@pytest.mark.parametrize(
    ("settings", "state", "named"),
    [
        ({"STRIPE_WEBHOOK_SECRET": "whsec_x"}, "misconfigured", "STRIPE_SECRET_KEY is not"),
        ({"STRIPE_SECRET_KEY": "sk_x"}, "misconfigured", "STRIPE_WEBHOOK_SECRET is not"),
        ({"STRIPE_SECRET_KEY": "sk_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}, "on", None),
    ],
)
def test_half_configured_stripe_is_reported_by_readyz_and_at_start_up(
    make_app, caplog, settings, state, named
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal"):
        app = make_app(**settings)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "off", "payments": state}
    if named:
        assert named in caplog.text
    else:
        assert "configuration:" not in caplog.text


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    for path in ("/", "/healthz", "/does-not-exist"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "base-uri 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Request-ID"]


def test_hsts_only_in_production(make_app, client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    prod = make_app(VEIVALG_ENV="production", SECRET_KEY="x" * 40)
    assert "max-age" in prod.test_client().get("/healthz").headers["Strict-Transport-Security"]


def test_incoming_request_id_is_kept_when_well_formed(client: FlaskClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc12345-def"}).headers["X-Request-ID"]
        == "abc12345-def"
    )
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert forged.headers["X-Request-ID"] != "bad id <script>"


@pytest.mark.parametrize(("lang", "title"), [("nb", "Siden finnes ikke"), ("en", "Page not found")])
def test_404_page_in_both_languages(client: FlaskClient, lang: str, title: str) -> None:
    client.post("/language", data={"lang": lang, "next": "/"})
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_404_page_offers_search_and_shows_no_reference(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"X-Request-ID": "req-87654321"})
    page = response.get_data(as_text=True)
    assert 'role="search"' in page and 'action="/search"' in page
    assert "req-87654321" not in page and "Referanse" not in page


def test_api_errors_are_json_with_a_code(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert json.loads(response.data)["error"]["code"] == "not_found"


def test_oversized_body_gets_the_413_page(make_app) -> None:
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/language", data={"lang": "en", "x": "y" * 5000})
    assert response.status_code == 413
    assert "For stor forespørsel" in response.get_data(as_text=True)


def test_unhandled_error_gets_the_500_page_with_a_reference(make_app) -> None:
    app: Flask = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Noe gikk galt" in page and "kaboom" not in page
    assert response.headers["X-Request-ID"] in page


def test_a_failed_database_statement_still_gets_the_500_page(make_app) -> None:
    app: Flask = make_app()

    @app.get("/broken-sql")
    def broken_sql() -> str:
        db.session.execute(text("SELECT no_such_column FROM users"))
        return "unreachable"

    @app.context_processor
    def reads_the_database() -> dict[str, object]:
        # Like the header and the billing banner: the error page itself may query.
        return {"answer": db.session.scalar(text("SELECT 1"))}

    response = app.test_client().get("/broken-sql")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/articles/%00", "/tags/a%00b", "/search?q=strategi&category=%00"]
)
def test_values_the_database_refuses_get_the_400_page(
    client: FlaskClient, create_user, login, path: str
) -> None:
    # A NUL byte PostgreSQL cannot store in text: the visitor's error, never a 500; the page
    # renders for a logged-in member too (its header queries after the failed statement).
    login(client, create_user())
    response = client.get(path)
    assert response.status_code == 400
    assert "Ugyldig forespørsel" in response.get_data(as_text=True)


def test_language_switch_only_follows_local_next(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_client_ip_comes_from_the_trusted_proxy_only(make_app) -> None:
    direct = make_app()
    proxied = make_app(TRUSTED_PROXY_HOPS=1)
    for app, expected in ((direct, "127.0.0.1"), (proxied, "203.0.113.9")):

        @app.get("/_ip")
        def ip() -> str:
            return request.remote_addr or ""

        seen = app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"})
        assert seen.get_data(as_text=True) == expected


def test_translations_work_outside_a_request(app: Flask) -> None:
    assert gettext("Siden finnes ikke") == "Siden finnes ikke"
    with force_locale("en"):
        assert gettext("Siden finnes ikke") == "Page not found"

"""Fixtures: a migrated PostgreSQL database per run, a transaction per test, real services."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.content.pagecache import drop_local
from portal.extensions import db
from portal.outbox import service as outbox_service
from tests.support.database import ThrowawayDatabase
from tests.support.ratelimit import fresh_memory_limits
from tests.support.services import (
    CeleryWorker,
    GunicornServer,
    LiveServer,
    RedisServer,
    SmtpSink,
)

# Tenant fixtures (make_org, add_member, acme, fjord) are shared by every domain's tests.
pytest_plugins = ["tests.support.tenants"]

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, so it gets its own app context, `g` and session.

    The test's own app context (and its session) stays as it was; both sessions share
    the test's connection, so they see each other's flushed rows.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def worker_label(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database(worker_label: str) -> Iterator[ThrowawayDatabase]:
    database = ThrowawayDatabase(worker_label)
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("veivalg")


@pytest.fixture(scope="session")
def base_config(database: ThrowawayDatabase, tmp_root: Path) -> dict[str, Any]:
    return {
        "VEIVALG_ENV": "test",
        "SQLALCHEMY_DATABASE_URI": database.app_url,
        "DATABASE_OWNER_URL": database.owner_url,
        "DATABASE_APP_ROLE": "veivalg_test_app",
        "MAIL_URL": f"file://{tmp_root / 'mail'}",
        "EXPORT_DIR": str(tmp_root / "exports"),
        "REDIS_URL": None,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def make_app(base_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database with some settings overridden."""

    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app({**base_config, **overrides})
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app


@pytest.fixture
def app(base_app: Flask) -> Iterator[Flask]:
    """The app inside an app context, every database change rolled back after the test."""
    with base_app.app_context():
        engine = db.engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        db.engines[None] = connection  # type: ignore[index]
        fresh_memory_limits()
        drop_local()  # kept pages and article fragments of earlier tests' rolled-back rows
        # create_app() makes its Celery app the process default; give it back to this app.
        base_app.extensions["celery"].set_default()
        outbox_service.reset_broker_state()
        try:
            yield base_app
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            db.engines[None] = engine  # type: ignore[index]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def committed_app(base_app: Flask, database: ThrowawayDatabase) -> Iterator[Flask]:
    """The app with real commits, for tests with other processes (worker, live server).

    Every table is emptied afterwards.
    """
    fresh_memory_limits()
    outbox_service.reset_broker_state()
    base_app.extensions["celery"].set_default()
    with base_app.app_context():
        yield base_app
        db.session.remove()
    truncate_all(database)


def truncate_all(database: ThrowawayDatabase) -> None:
    with psycopg.connect(database.owner_dsn, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )


@pytest.fixture
def create_user() -> Callable[..., User]:
    """Factory: a verified user with PASSWORD unless told otherwise (flushed, not committed)."""
    counter = iter(range(1, 10_000))

    def factory(
        email: str | None = None,
        *,
        name: str = "Test Bruker",
        password: str | None = PASSWORD,
        verified: bool = True,
        staff_role: str | None = None,
        locale: str = "nb",
    ) -> User:
        email = email or f"user{next(counter)}-{os.urandom(3).hex()}@example.org"
        return accounts_service.create_user(
            email, name, password, verified=verified, staff_role=staff_role, locale=locale
        )

    return factory


def login_as(client: FlaskClient, user: User) -> None:
    """Log a client in by writing Flask-Login's session keys (the login form has its own tests)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def login() -> Callable[[FlaskClient, User], None]:
    return login_as


@pytest.fixture
def csrf_token() -> Callable[[FlaskClient, str], str]:
    """Fetch a page and return the CSRF token of its first form."""

    def fetch(client: FlaskClient, path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        assert match, f"no csrf_token on {path}"
        return match.group(1)

    return fetch


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_worker_factory(
    base_config: dict[str, Any], tmp_path: Path
) -> Iterator[Callable[..., CeleryWorker]]:
    """Start real Celery workers against the test database with the given Redis and mail URLs."""
    started: list[CeleryWorker] = []

    def start(redis_url: str, mail_url: str | None = None, **env: str) -> CeleryWorker:
        worker = CeleryWorker(
            {
                "VEIVALG_ENV": "development",
                "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"],
                "REDIS_URL": redis_url,
                "MAIL_URL": mail_url or base_config["MAIL_URL"],
                "SECRET_KEY": "test-secret-key-not-for-production",
                "BASE_URL": base_config["BASE_URL"],
                **env,
            },
            tmp_path / f"worker-{len(started)}.log",
        )
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def gunicorn_server(
    committed_app: Flask, base_config: dict[str, Any], tmp_path: Path
) -> Iterator[GunicornServer]:
    """The app under a real gunicorn against the test database (commits are real)."""
    server = GunicornServer(
        {
            "VEIVALG_ENV": "development",
            "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"],
            "MAIL_URL": base_config["MAIL_URL"],
            "SECRET_KEY": "test-secret-key-not-for-production",
            "BASE_URL": base_config["BASE_URL"],
        },
        tmp_path / "gunicorn.log",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(committed_app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(committed_app)
    server.start()
    yield server
    server.stop()


def count_rows(table: str) -> int:
    return db.session.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()  # noqa: S608

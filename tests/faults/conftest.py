"""Fault fixtures: the whole stack on the test database (gunicorn, a Redis of its own, a real
Celery worker, an SMTP sink) with the demo content, so a test can break one part of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal import demo
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs.models import Organization
from portal.workspace.models import Workbook
from tests.support.database import ThrowawayDatabase
from tests.support.services import CeleryWorker, GunicornServer, RedisServer, SmtpSink
from tests.support.traffic import Browser

# Short, so beat's sweep may take up a lost worker's export within seconds (limit + 10 s).
EXPORT_TIME_LIMIT = 2

# Pages every reader reaches; the demo data has them (portal/content/demo_articles).
READER_PAGES = (
    "/",
    "/articles/",
    "/articles/hva-er-en-digital-strategi",
    "/articles/beskriv-dagens-situasjon",
    "/search?q=strategi",
    "/feed.xml",
    "/sitemap.xml",
)


@dataclass
class Stack:
    web: GunicornServer
    redis: RedisServer
    sink: SmtpSink
    # The same settings in this process: to look at the database and run beat's sweep.
    app: Flask
    start_worker: Callable[[], CeleryWorker]
    database: ThrowawayDatabase


def stack_env(base_config: dict[str, Any], redis_url: str, mail_url: str) -> dict[str, str]:
    return {
        "VEIVALG_ENV": "development",
        "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "MAIL_URL": mail_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "BASE_URL": base_config["BASE_URL"],
        # Web and workers share the export folder, as compose's volume does.
        "EXPORT_DIR": base_config["EXPORT_DIR"],
        "EXPORT_TIME_LIMIT": str(EXPORT_TIME_LIMIT),
    }


@pytest.fixture
def seeded(committed_app: Flask) -> Flask:
    demo.seed_all()
    db.session.commit()
    return committed_app


@pytest.fixture
def stack(
    seeded: Flask,
    make_app: Callable[..., Flask],
    base_config: dict[str, Any],
    redis_server: RedisServer,
    smtp_sink: SmtpSink,
    celery_worker_factory: Callable[..., CeleryWorker],
    database: ThrowawayDatabase,
    tmp_path: Path,
) -> Iterator[Stack]:
    env = stack_env(base_config, redis_server.url, smtp_sink.url)
    web = GunicornServer(env, tmp_path / "gunicorn.log", workers=1, threads=4)
    web.start()
    app = make_app(
        REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url, EXPORT_TIME_LIMIT=EXPORT_TIME_LIMIT
    )
    exports = {k: env[k] for k in ("EXPORT_DIR", "EXPORT_TIME_LIMIT")}
    try:
        yield Stack(
            web=web,
            redis=redis_server,
            sink=smtp_sink,
            app=app,
            start_worker=lambda: celery_worker_factory(redis_server.url, smtp_sink.url, **exports),
            database=database,
        )
    finally:
        web.stop()


@pytest.fixture
def web(seeded: Flask, base_config: dict[str, Any], tmp_path: Path) -> Iterator[GunicornServer]:
    """gunicorn on the seeded test database, without Redis (tasks run in the web process)."""
    env = stack_env(base_config, "", base_config["MAIL_URL"])
    del env["REDIS_URL"]
    server = GunicornServer(env, tmp_path / "gunicorn.log", workers=1, threads=4)
    server.start()
    yield server
    server.stop()


def acme_owner(stack: Stack) -> Browser:
    """The demo owner of acme, logged in on the stack's gunicorn."""
    owner = Browser(stack.web.url)
    answer = owner.post_form(
        "/login",
        {"email": "owner@acme.example.com", "password": stack.app.config["DEMO_PASSWORD"]},
    )
    assert answer.status == 303, answer.status
    return owner


def acme_workbook_id(stack: Stack) -> int:
    with stack.app.app_context(), scoping.system_scope():
        org = db.session.scalar(select(Organization).where(Organization.slug == "acme"))
        return db.session.scalars(
            select(Workbook.id).where(Workbook.org_id == org.id).order_by(Workbook.id)
        ).first()


def request_pdf(stack: Stack, owner: Browser) -> int:
    """Ask for a PDF of acme's first workbook through the export form; the job's id."""
    answer = owner.post_form(
        "/orgs/acme/exports/",
        {"workbook_id": str(acme_workbook_id(stack)), "format": "pdf", "language": "nb"},
    )
    assert answer.status == 303, (answer.status, answer.body[:500])
    return int(answer.headers["location"].rstrip("/").rsplit("/", 1)[1])


# The Stripe emulator of the billing tests, for the webhook flood.
from tests.billing.conftest import stripe_committed, stripe_emulator, stripe_side  # noqa: E402, F401

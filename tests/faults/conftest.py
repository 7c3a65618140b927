"""Fault fixtures: the whole stack on the test database (gunicorn, a Redis of its own, a real
Celery worker, an SMTP sink) with the demo content, so a test can break one part of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal import demo
from portal.extensions import db
from tests.support.services import CeleryWorker, GunicornServer, RedisServer, SmtpSink

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


def stack_env(base_config: dict[str, Any], redis_url: str, mail_url: str) -> dict[str, str]:
    return {
        "VEIVALG_ENV": "development",
        "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "MAIL_URL": mail_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "BASE_URL": base_config["BASE_URL"],
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
    tmp_path: Path,
) -> Iterator[Stack]:
    env = stack_env(base_config, redis_server.url, smtp_sink.url)
    web = GunicornServer(env, tmp_path / "gunicorn.log", workers=1, threads=4)
    web.start()
    app = make_app(REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url)
    try:
        yield Stack(
            web=web,
            redis=redis_server,
            sink=smtp_sink,
            app=app,
            start_worker=lambda: celery_worker_factory(redis_server.url, smtp_sink.url),
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


# The Stripe emulator of the billing tests, for the webhook flood.
from tests.billing.conftest import stripe_committed, stripe_emulator, stripe_side  # noqa: E402, F401

"""Fixtures for the accounts tests: an app whose mail goes to a real SMTP sink, and helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from portal.accounts.models import User
from portal.extensions import db
from portal.outbox import service as outbox_service
from tests.support.ratelimit import fresh_memory_limits
from tests.support.services import SmtpSink, body_text

LINK = re.compile(r"http://localhost(/\S+)")


@pytest.fixture
def mail_app(
    base_app: Flask, make_app: Callable[..., Flask], smtp_sink: SmtpSink
) -> Iterator[Flask]:
    """An app mailing to the SMTP sink, in a transaction rolled back after the test.

    base_app is requested so the database is migrated first.
    """
    app = make_app(MAIL_URL=smtp_sink.url)
    with app.app_context():
        engine = db.engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        db.engines[None] = connection  # type: ignore[index]
        fresh_memory_limits()
        outbox_service.reset_broker_state()
        try:
            yield app
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            db.engines[None] = engine  # type: ignore[index]
            engine.dispose()


@pytest.fixture
def mail_client(mail_app: Flask) -> FlaskClient:
    return mail_app.test_client()


def link_in(message: Any) -> str:
    """The path of the first link to the site in a mail's text part."""
    match = LINK.search(body_text(message))
    assert match, body_text(message)
    return match.group(1)


def reload(user: User) -> User | None:
    """The user as the database has it now (requests run in their own sessions)."""
    user_id = inspect(user).identity[0]
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.id == user_id))


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, Any],
    csrf_token: Callable[[FlaskClient, str], str],
    form_page: str | None = None,
) -> Any:
    """POST a form with a CSRF token scraped from its page (or another page of the site)."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})

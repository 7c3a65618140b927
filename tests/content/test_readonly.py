"""Read-only reader pages: which requests count as one, and the detached user they get."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from portal.accounts.models import User
from portal.billing import reader_access
from portal.billing.grants import grant_to_user
from portal.content.models import Article
from portal.readonly import is_read_only_request
from tests.content.test_queries import counting


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/articles/noe", True),
        ("HEAD", "/articles/noe", True),
        ("GET", "/articles/", True),
        ("GET", "/search", True),
        ("GET", "/feed.xml", True),
        ("POST", "/articles/noe", False),
        ("GET", "/account", False),
        ("GET", "/login", False),
        ("POST", "/logout", False),
    ],
)
def test_only_gets_of_reader_pages_are_read_only(
    app: Flask, method: str, path: str, expected: bool
) -> None:
    with app.test_request_context(path, method=method):
        assert is_read_only_request() is expected


def test_a_reader_page_gets_a_detached_user_with_the_rows_values(
    app: Flask, create_user: Callable[..., User]
) -> None:
    user = create_user(name="Løsrevet Leser")
    grant_to_user(user, "test")
    with app.test_request_context("/articles/noe"):
        loaded = reader_access.load_user(user.id, user.session_version)
        assert loaded is not None and loaded is not user
        assert inspect(loaded).detached
        for column in User.__table__.columns:
            assert getattr(loaded, column.key) == getattr(user, column.key), column.key
        assert reader_access.answered(loaded).paid
        assert reader_access.load_user(user.id, user.session_version + 1) is None
    with app.test_request_context("/account"):
        assert reader_access.load_user(user.id, user.session_version) is user  # the ORM's own


def test_a_warm_reader_page_costs_only_the_readers_access(
    app: Flask,
    client: FlaskClient,
    canaries: dict[str, Article],
    create_user: Callable[..., User],
    login,
) -> None:
    reader = create_user()
    grant_to_user(reader, "test")
    login(client, reader)
    path = f"/articles/{canaries['paid'].slug}"
    client.get(path)
    with counting() as statements:
        response = client.get(path)
    assert response.status_code == 200 and len(statements) == 1
    assert "reader_access" in statements[0] and "BEGIN" not in statements[0]

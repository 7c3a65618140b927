"""The reader's access statement on a plain psycopg connection (readonly.fetch_plain):
the same answer as SQLAlchemy's, fresh on every request, and SQLAlchemy takes over when it
fails. Committed rows: the plain path runs only on a real engine, not the tests' one
connection."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect

from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.billing import reader_access
from portal.extensions import db
from portal.readonly import UNANSWERED, fetch_plain
from tests.support.database import ThrowawayDatabase, terminate_backends


@pytest.fixture
def subscriber(committed_subscriber: User) -> User:
    return committed_subscriber


def _params(user: User) -> dict[str, Any]:
    return reader_access.params(user.id, user.session_version)


def test_the_plain_path_answers_as_sqlalchemy_does(committed_app: Flask, subscriber: User) -> None:
    engine = db.engine
    with engine.connect() as connection:
        expected = tuple(connection.execute(reader_access._WITH_ACCESS, _params(subscriber)).one())
    found = fetch_plain(engine, reader_access._WITH_ACCESS, _params(subscriber))
    assert found == expected
    assert [type(value) for value in found] == [type(value) for value in expected]
    missing = reader_access.params(subscriber.id, subscriber.session_version + 1)
    assert fetch_plain(engine, reader_access._WITH_ACCESS, missing) is None


def test_a_reader_page_loads_a_detached_user_on_the_plain_path_and_asks_every_time(
    committed_app: Flask, subscriber: User
) -> None:
    version = subscriber.session_version  # what the reader's cookie says

    def loaded() -> User | None:
        with committed_app.test_request_context("/articles/noe"):
            user = reader_access.load_user(subscriber.id, version)
            if user is not None:
                assert inspect(user).detached and reader_access.answered(user).paid
            return user

    first = loaded()
    assert first is not None and first.name == "Vanlig Leser"
    accounts_service.end_other_sessions(subscriber)
    db.session.commit()
    assert subscriber.session_version != version
    assert loaded() is None  # the cookie's session version no longer loads anyone


def test_a_lost_connection_hands_over_to_sqlalchemy(
    committed_app: Flask, subscriber: User, database: ThrowawayDatabase
) -> None:
    params = _params(subscriber)  # read before the connections are cut
    db.session.close()  # the ORM session holds no connection of the pool cut below
    engine = db.engine
    engine.dispose()
    with engine.connect() as connection:  # the pool's only connection
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert terminate_backends(database.name, pid) == 1
    # In a GET, as on a reader page: the pool does not ping it first.
    with committed_app.test_request_context("/articles/noe"):
        assert fetch_plain(engine, reader_access._WITH_ACCESS, params) is UNANSWERED
        # The dead connection was dropped: the next one answers.
        assert fetch_plain(engine, reader_access._WITH_ACCESS, params) is not None
    engine.dispose()
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert terminate_backends(database.name, pid) == 1
    with committed_app.test_request_context("/articles/noe"):
        # The loader falls back to SQLAlchemy's path, which answers on a fresh connection.
        assert reader_access.load_user(params["id"], params["version"]) is not None

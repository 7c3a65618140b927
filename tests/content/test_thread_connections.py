"""Each request thread's own connection for the reader's access statement
(portal/thread_connections.py): kept between requests, one per thread, never left in a
transaction, replaced after it fails, closed with its engine. Committed rows: the plain path
runs only on a real engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from portal import thread_connections
from portal.accounts.models import User
from portal.billing import reader_access
from portal.extensions import db
from portal.readonly import UNANSWERED, fetch_plain
from tests.support.database import ThrowawayDatabase, terminate_backends


@pytest.fixture
def subscriber(committed_subscriber: User) -> Iterator[User]:
    yield committed_subscriber
    thread_connections.forget()


def _read(engine: Engine, user: User) -> Any:
    params = reader_access.params(user.id, user.session_version)
    return fetch_plain(engine, reader_access.WITH_ACCESS, params)


def _kept_pid(engine: Engine) -> int:
    return thread_connections.cursor_for(engine).connection.info.backend_pid


def _state_of(engine: Engine, pid: int) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )


def test_the_thread_keeps_one_connection_in_autocommit(
    committed_app: Flask, subscriber: User
) -> None:
    engine = db.engine
    assert _read(engine, subscriber)[0] == subscriber.id
    pid = _kept_pid(engine)
    checkouts: list[object] = []
    event.listen(engine, "checkout", lambda *args: checkouts.append(args))
    for _ in range(3):
        assert _read(engine, subscriber)[0] == subscriber.id
    assert checkouts == []  # the pool is not asked
    assert _kept_pid(engine) == pid  # the same connection every time
    assert _state_of(engine, pid) == "idle"  # no transaction left open between requests


def test_each_thread_has_its_own_and_closes_it_when_it_ends(
    committed_app: Flask, subscriber: User
) -> None:
    engine = db.engine
    mine = (_read(engine, subscriber), _kept_pid(engine))
    theirs: list[Any] = []

    def other_thread() -> None:
        theirs.append((_read(engine, subscriber), _kept_pid(engine)))

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert theirs[0][0] == mine[0]
    assert theirs[0][1] != mine[1]
    # A thread that ends (a development server's thread per request) closes its connection.
    assert _state_of(engine, theirs[0][1]) is None
    assert _state_of(engine, mine[1]) == "idle"


def test_a_lost_connection_is_answered_by_the_caller_and_replaced(
    committed_app: Flask, subscriber: User, database: ThrowawayDatabase
) -> None:
    engine = db.engine
    assert _read(engine, subscriber) is not None
    pid = _kept_pid(engine)
    assert terminate_backends(database.name, pid) == 1
    assert _read(engine, subscriber) is UNANSWERED  # the caller goes the ordinary way
    assert _read(engine, subscriber)[0] == subscriber.id  # on a new connection
    assert _kept_pid(engine) != pid


def test_disposing_of_the_engine_closes_every_threads_connection(
    committed_app: Flask, subscriber: User
) -> None:
    engine = db.engine
    assert _read(engine, subscriber) is not None
    pid = _kept_pid(engine)
    db.session.close()  # the ORM session's connection goes back to the pool before it goes
    engine.dispose()
    assert _state_of(engine, pid) is None  # gone from the server
    assert _read(engine, subscriber)[0] == subscriber.id
    assert _kept_pid(engine) != pid


def test_a_connection_older_than_its_time_is_replaced(
    committed_app: Flask, subscriber: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db.engine
    assert _read(engine, subscriber) is not None
    pid = _kept_pid(engine)
    monkeypatch.setattr(thread_connections, "KEPT_SECONDS", 0.0)
    assert _read(engine, subscriber)[0] == subscriber.id
    monkeypatch.undo()
    assert _kept_pid(engine) != pid
    assert _state_of(engine, pid) is None  # the old one was closed, not left open

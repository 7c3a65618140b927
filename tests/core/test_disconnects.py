"""PostgreSQL dropping a request's connection: a retry for safe reads, else the 503 page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import psycopg
import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from portal.disconnects import _mark_lost_connections, is_disconnect
from portal.extensions import db
from portal.outbox.models import OutboxItem
from tests.conftest import count_rows
from tests.support.database import ThrowawayDatabase, terminate_backends


class Faults:
    """Test views that lose their own connection, as a PostgreSQL restart or failover would."""

    def __init__(self, database: ThrowawayDatabase) -> None:
        self.database = database
        self.calls = 0
        self.kills_left = 0

    def kill_own_connection(self) -> None:
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert terminate_backends(self.database.name, pid) == 1

    def read(self) -> str:
        self.calls += 1
        if self.kills_left:
            self.kills_left -= 1
            self.kill_own_connection()
        return f"read {db.session.execute(text('SELECT 41 + 1')).scalar_one()} call {self.calls}"

    def write_then_read(self) -> str:
        self.calls += 1
        db.session.add(OutboxItem(handler="x:y", payload={}, idempotency_key=f"w{self.calls}"))
        db.session.flush()
        self.kill_own_connection()
        db.session.execute(text("SELECT 1"))
        return "unreachable"

    def die_after_response(self) -> str:
        # The response is built; the connection dies before the clean-up rolls back.
        self.calls += 1
        db.session.execute(text("SELECT 1"))
        self.kill_own_connection()
        return "finished"


@pytest.fixture
def faults(database: ThrowawayDatabase) -> Faults:
    return Faults(database)


@pytest.fixture
def fault_app(
    make_app: Callable[..., Flask], committed_app: Flask, faults: Faults
) -> Iterator[Flask]:
    app = make_app()
    app.add_url_rule("/test/read", "test_read", faults.read, methods=["GET", "POST"])
    app.add_url_rule("/test/write", "test_write", faults.write_then_read)
    app.add_url_rule("/test/after", "test_after", faults.die_after_response)
    with app.app_context():
        yield app
        db.session.remove()


def test_a_safe_read_that_lost_its_connection_is_retried_once(
    fault_app: Flask, faults: Faults
) -> None:
    faults.kills_left = 1
    response = fault_app.test_client().get("/test/read")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "read 42 call 2"


def test_a_second_loss_gives_the_503_page_with_the_request_id(
    fault_app: Flask, faults: Faults
) -> None:
    faults.kills_left = 2
    response = fault_app.test_client().get("/test/read", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Prøv igjen" in page and "req-12345678" in page
    assert faults.calls == 2


def test_a_post_is_never_retried(fault_app: Flask, faults: Faults) -> None:
    faults.kills_left = 1
    fault_app.config["WTF_CSRF_ENABLED"] = False
    response = fault_app.test_client().post("/test/read")
    assert response.status_code == 503
    assert "Prøv igjen" in response.get_data(as_text=True)
    assert faults.calls == 1


def test_a_read_that_wrote_before_the_loss_is_not_retried(fault_app: Flask, faults: Faults) -> None:
    response = fault_app.test_client().get("/test/write")
    assert response.status_code == 503
    assert faults.calls == 1
    assert count_rows("outbox_items") == 0


def test_a_clean_up_failure_after_the_response_is_logged_not_a_500(
    fault_app: Flask, faults: Faults, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="portal"):
        response = fault_app.test_client().get("/test/after")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "finished"
    assert "session clean-up failed" in caplog.text


def test_a_database_that_cannot_be_reached_gives_the_503_page(
    make_app: Callable[..., Flask], committed_app: Flask
) -> None:
    # Nothing listens on port 1: as when PostgreSQL is stopped or restarting.
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    app.add_url_rule("/test/read", "test_read", lambda: str(db.session.execute(text("SELECT 1"))))
    response = app.test_client().get("/test/read", headers={"X-Request-ID": "req-unreachable"})
    assert response.status_code == 503
    assert "req-unreachable" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "original",
    [
        psycopg.OperationalError(
            "consuming input failed: server closed the connection unexpectedly"
        ),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
    ],
)
def test_a_loss_psycopg_had_not_marked_broken_still_counts_as_a_disconnect(original) -> None:
    # Seen under pg_terminate_backend (tests/faults): SQLAlchemy did not invalidate these.
    error = OperationalError("SELECT 1", {}, original)
    assert not error.connection_invalidated
    assert is_disconnect(error)


def test_other_database_errors_are_not_disconnects() -> None:
    timeout = psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
    assert not is_disconnect(OperationalError("SELECT 1", {}, timeout))


def test_sqlalchemy_is_told_so_it_invalidates_the_connection(base_app: Flask) -> None:
    lost = psycopg.OperationalError("consuming input failed: server closed the connection")
    context = SimpleNamespace(is_disconnect=False, original_exception=lost)
    assert event.contains(Engine, "handle_error", _mark_lost_connections)
    _mark_lost_connections(context)  # type: ignore[arg-type]
    assert context.is_disconnect is True


def test_a_loss_hidden_by_clean_up_code_is_still_answered_as_a_loss(
    fault_app: Flask, faults: Faults
) -> None:
    def read_then_clean_up() -> str:
        try:
            return faults.read()
        finally:
            # As system_scope's `finally:` re-applies the tenant scope: on a lost connection
            # this raises PendingRollbackError, and the loss becomes its context.
            db.session.execute(text("SELECT 1"))

    fault_app.add_url_rule("/test/cleanup", "test_cleanup", read_then_clean_up)
    faults.kills_left = 1
    response = fault_app.test_client().get("/test/cleanup")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "read 42 call 2"

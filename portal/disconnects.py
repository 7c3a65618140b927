"""Lost database connections in a request: one retry for safe reads, else the 503 page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from flask import Flask, Response, g, request
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from portal.errors import render_error, unhandled
from portal.extensions import db, listen_once

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD")
_WROTE = "veivalg_wrote"
_RETRY = "veivalg.retry_request"
_RETRIED = "veivalg.retried_request"


# The server ended the session: admin_shutdown (pg_terminate_backend, a restart), crash_shutdown,
# cannot_connect_now (starting up or shutting down).
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
_LOST_MESSAGES = (
    "server closed the connection unexpectedly",
    "terminating connection",
    "consuming input failed",
    "the connection is closed",
    "the connection is lost",
)


def _lost_connection(original: BaseException | None) -> bool:
    if getattr(original, "sqlstate", None) in _LOST_SQLSTATES:
        return True
    return isinstance(original, psycopg.OperationalError) and any(
        message in str(original) for message in _LOST_MESSAGES
    )


def is_disconnect(error: BaseException) -> bool:
    """True for an error that means the connection was lost.

    SQLAlchemy's psycopg dialect recognises a loss only when psycopg has already marked the
    connection broken, and when the server ends a session in the middle of a query psycopg
    does not always have (a race seen under pg_terminate_backend, tests/faults). So the
    server's own shutdown codes and libpq's messages count too (see _mark_lost_connections).
    """
    if not isinstance(error, DBAPIError):
        return False
    return bool(error.connection_invalidated) or _lost_connection(error.orig)


def _mark_lost_connections(context: ExceptionContext) -> None:
    # Tell SQLAlchemy what psycopg had not noticed yet: it then invalidates the connection,
    # so it is never handed out again, with or without the pool's pre-ping.
    if not context.is_disconnect and _lost_connection(context.original_exception):
        context.is_disconnect = True


def lost_connection_behind(error: BaseException) -> DBAPIError | None:
    """The lost-connection error among the causes of `error` (itself included), if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if is_disconnect(current):
            return current  # type: ignore[return-value]
        current = current.__cause__ or current.__context__
    return None


def is_unreachable(error: BaseException) -> bool:
    """True when no connection could be opened at all (the server is stopped or restarting).

    Nothing ran, so this is the 503 page, not an internal error; a retry would only fail again.
    """
    return isinstance(error, OperationalError) and error.statement is None


def _note_flush(session: Session, flush_context: UOWTransaction) -> None:
    session.info[_WROTE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def wrote_anything() -> bool:
    """Whether this request's session has sent a write (a flush or an UPDATE/INSERT/DELETE)."""
    return bool(db.session.info.get(_WROTE))


class RetrySafeRequests:
    """WSGI middleware: runs a request a second time when the app asked for it (see below).

    The first answer is discarded before anything of it reaches the client, and the second
    run is a fresh request context with a fresh session on a fresh connection.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") not in SAFE_METHODS:
            return self.wsgi_app(environ, start_response)
        started: list[tuple[Any, ...]] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started.append((status, headers, exc_info))
            return lambda data: None  # the app never uses write(); nothing may leak early

        body = self.wsgi_app(environ, hold)
        if environ.pop(_RETRY, False):
            close = getattr(body, "close", None)
            if close is not None:
                close()
            environ[_RETRIED] = True
            return self.wsgi_app(environ, start_response)
        status, headers, exc_info = started[-1]
        start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
        return body


def init_app(app: Flask) -> None:
    """Track writes per session, answer disconnects, and keep clean-up from failing a response.

    create_app installs RetrySafeRequests right around Flask, so a retry runs no other
    middleware twice.
    """
    listen_once(Engine, "handle_error", _mark_lost_connections)
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)

    @app.errorhandler(PendingRollbackError)
    def _used_after_loss(error: PendingRollbackError) -> tuple[Response | str, int]:
        # Clean-up code (a `finally:` re-applying the tenant scope) touched the session after
        # its connection was lost, and its error hid the loss: answer the loss.
        lost = lost_connection_behind(error)
        return _database_error(lost) if lost is not None else unhandled(error)

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError) -> tuple[Response | str, int]:
        if is_unreachable(error):
            log.error("database unreachable (request %s): %s", g.get("request_id"), error.orig)
            _discard_session()
            return _unavailable()
        if not is_disconnect(error):
            return unhandled(error)
        safe = request.method in SAFE_METHODS and not wrote_anything()
        _discard_session()
        if safe and not request.environ.get(_RETRIED):
            # Nothing was written: the whole request runs again on a fresh connection.
            log.warning("database connection lost (request %s), retrying", g.get("request_id"))
            request.environ[_RETRY] = True
        else:
            log.error(
                "database connection lost (request %s, %s, wrote %s): %s",
                g.get("request_id"),
                request.method,
                wrote_anything(),
                error.orig,
            )
        return _unavailable()

    @app.teardown_appcontext
    def _remove_session(error: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own clean-up (teardowns run in reverse order). The
        # response is built by now: a connection that died meanwhile must not turn it into
        # a bare 500 from the WSGI server.
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001 - logged; the finished response stands
            log.exception("session clean-up failed (request %s)", g.get("request_id"))
            db.session.registry.clear()


def _discard_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the error page needs a new one
        log.exception("rollback after a lost connection failed")
        db.session.registry.clear()


def _unavailable() -> tuple[Response | str, int]:
    try:
        return render_error(503)
    except Exception:  # noqa: BLE001 - the database may still be away; say so plainly
        log.exception("503 page failed (request %s)", g.get("request_id"))
        text = _("Tjenesten er utilgjengelig. Prøv igjen om litt.")
        reference = g.get("request_id") or ""
        return Response(f"{text}\n{reference}\n", status=503, mimetype="text/plain"), 503

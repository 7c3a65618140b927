"""The pool's liveness ping, skipped on safe reads: those are run again after a lost connection.

SQLAlchemy's `pool_pre_ping` costs a round trip on every checkout, 7 % of a reader page. A GET
or HEAD that loses its connection is run again once on a fresh one (portal/disconnects.py),
so it needs no ping; everything else (form posts, Celery tasks, the CLI) still gets one, as
before, and a dead connection is swapped for a new one before it is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

SAFE_METHODS = ("GET", "HEAD")
# A read outside Flask's request that its caller runs again through Flask if the connection
# turns out lost (content/kept_readers.py).
_SAFE_READ: ContextVar[bool] = ContextVar("veivalg_safe_read", default=False)


@contextmanager
def safe_read() -> Iterator[None]:
    token = _SAFE_READ.set(True)
    try:
        yield
    finally:
        _SAFE_READ.reset(token)


def _ping_unless_safe_read(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    if _SAFE_READ.get() or (has_request_context() and request.method in SAFE_METHODS):
        return
    if getattr(dbapi_connection, "pgconn", None) is None:
        return  # SQLite: a file, nothing to lose
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True  # the ping opens no transaction
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except Exception as exc:  # noqa: BLE001 - any failure: the pool takes a fresh connection
        raise DisconnectionError(str(exc)) from exc


def init_app(app: Flask) -> None:
    """Ping checked-out connections except for safe reads (every pool of this process)."""
    if not event.contains(Pool, "checkout", _ping_unless_safe_read):
        event.listen(Pool, "checkout", _ping_unless_safe_read)

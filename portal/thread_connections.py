"""A connection of each request thread's own for the plain reads of readonly.fetch_plain.

A warm reader page runs one statement (the reader's access). Taken from SQLAlchemy's pool, that
statement also paid the pool's checkout and check-in (events, the connection record, the reset
on return) and two switches of autocommit, together more CPU than the statement itself. So each
thread that serves such reads keeps one psycopg connection of its own, opened through the
engine (the same URL, role and connect events as the pool's), taken out of the pool for good
(`detach`), in autocommit, with one cursor; its statements are prepared on first use.

What this keeps is a connection, nothing about anyone's access: every request still runs its
statement. A connection that fails is closed and forgotten (the caller's request then goes the
ordinary way, with its retry of a safe read), one older than `KEPT_SECONDS` is replaced, and
`engine.dispose()` closes every thread's connection of that engine. There are at most as many
of them as threads serving reads (gunicorn's workers × threads), besides the pool; a thread
that ends closes its own.
"""

from __future__ import annotations

import threading
import time
import weakref
from contextlib import suppress
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

# A kept connection is replaced after this long, as the pool recycles its own.
KEPT_SECONDS = 300.0


class _Kept:
    """One thread's connection: its engine, the psycopg connection, its cursor, its age."""

    __slots__ = ("engine", "connection", "cursor", "born", "__weakref__")

    def __init__(self, engine: Engine, connection: psycopg.Connection[Any]) -> None:
        self.engine = weakref.ref(engine)
        self.connection = connection
        self.cursor = connection.cursor()
        self.born = time.monotonic()


_local = threading.local()
# Every thread's kept connections per engine, so that dispose() can close them all.
_by_engine: weakref.WeakKeyDictionary[Engine, weakref.WeakSet[_Kept]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def cursor_for(engine: Engine) -> psycopg.Cursor[Any]:
    """This thread's cursor on its own autocommit connection to `engine` (opened on first use,
    and again after `forget`, an engine's dispose or `KEPT_SECONDS`). Raises what connecting
    raises."""
    kept: _Kept | None = getattr(_local, "kept", None)
    if kept is not None:
        if (
            kept.engine() is engine
            and not kept.connection.closed
            and time.monotonic() - kept.born < KEPT_SECONDS
        ):
            return kept.cursor
        forget()
    pooled = engine.raw_connection()
    try:
        connection = pooled.driver_connection
        pooled.detach()  # ours for good: never back to the pool
        connection.autocommit = True
    except BaseException:
        pooled.close()
        raise
    kept = _Kept(engine, connection)
    # A thread that ends (a development server's thread per request) takes its connection
    # with it: closed as soon as the thread's record of it goes, not whenever the garbage
    # collector gets to the connection.
    weakref.finalize(kept, _close_connection, connection)
    with _lock:
        _by_engine.setdefault(engine, weakref.WeakSet()).add(kept)
        if not event.contains(engine, "engine_disposed", _close_all):
            event.listen(engine, "engine_disposed", _close_all)
    _local.kept = kept
    return kept.cursor


def forget() -> None:
    """Close this thread's kept connection (after an error: never use it again)."""
    kept: _Kept | None = getattr(_local, "kept", None)
    _local.kept = None
    if kept is not None:
        _close(kept)


def _close(kept: _Kept) -> None:
    _close_connection(kept.connection)


def _close_connection(connection: psycopg.Connection[Any]) -> None:
    with suppress(psycopg.Error):  # closing a broken connection: nothing more to do
        connection.close()


def _close_all(engine: Engine) -> None:
    """engine.dispose(): every thread's connection to it goes (a thread using one at that
    moment gets an error, and its request goes the ordinary way)."""
    with _lock:
        kept = list(_by_engine.pop(engine, ()))
    for one in kept:
        _close(one)

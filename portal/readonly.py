"""Reader pages that never write: marked once, so the request path can skip what only writes
need (a transaction, the rate-limit look-up, an ORM-managed user).

A view is marked with `read_only` (content/pagecache.py's `anonymous_cache` marks every page it
may share, since a page fit for a shared cache cannot depend on writing). The user loader then
reads the reader's access in autocommit (no BEGIN and ROLLBACK round trips) and hands back a
detached user; the rate limiter skips its look-up (every limit counts form posts).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any, TypeVar

import psycopg
from flask import Flask, current_app, has_request_context, request
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from portal import thread_connections
from portal.extensions import db, limiter

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "veivalg_read_only"
READ_METHODS = ("GET", "HEAD")


def read_only(view: F) -> F:
    """Mark a view as one that never writes to the database (nor calls what does)."""
    setattr(view, _MARK, True)
    return view


def is_read_only_request() -> bool:
    """Whether this request is a GET or HEAD of a view marked read_only."""
    if not has_request_context():
        return False
    # Asked by several hooks of a request: answered once, on the request itself.
    current = request._get_current_object()  # type: ignore[attr-defined]
    found = current.__dict__.get(_MARK)
    if found is None:
        found = current.method in READ_METHODS and bool(
            getattr(current_app.view_functions.get(current.endpoint or ""), _MARK, False)
        )
        if current.url_rule is not None:  # matched: the endpoint is final
            current.__dict__[_MARK] = found
    return found


def read_without_transaction() -> Connection | None:
    """For a reader GET that never writes and reads no tenant rows: each statement runs on its
    own (autocommit), which saves the BEGIN and ROLLBACK round trips. Each of the page's
    statements is consistent by itself, and nothing is left open if the request fails.
    PostgreSQL on an engine only (tests bind the session to one open connection)."""
    session = db.session()
    if session.in_transaction():
        return None
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        return session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return None


UNANSWERED: Any = object()
# Per statement and dialect: the SQL text and the columns SQLAlchemy's result types convert.
_PLAIN: dict[tuple[int, str], tuple[Executable, str | None, list[tuple[int, Any]] | None]] = {}


def fetch_plain(engine: Engine, statement: Executable, params: dict[str, Any]) -> Any:
    """The first row of `statement` (None if none), run in autocommit on this thread's own
    psycopg connection (thread_connections.py) without SQLAlchemy's execution machinery and
    pool, which cost more than the round trip's own CPU on a kept page. UNANSWERED when
    psycopg raised or no connection could be had: the caller then runs the statement through
    SQLAlchemy, whose error handling (a lost connection, the retry of a safe read) takes over.
    Callers use it only when no statement listener is installed, so nothing that watches
    statements misses this one."""
    text, processors = _compiled(engine, statement)
    if text is None:
        return UNANSWERED
    try:
        cursor = thread_connections.cursor_for(engine)
    except (psycopg.Error, DBAPIError):
        return UNANSWERED
    try:
        row = cursor.execute(text, params, prepare=True).fetchone()
    except psycopg.Error:
        thread_connections.forget()  # never use a connection that failed mid-statement again
        return UNANSWERED
    if row is None or processors is None:
        return row  # psycopg's rows are tuples
    values = list(row)
    for i, convert in processors:
        values[i] = convert(values[i])
    return tuple(values)


def _compiled(
    engine: Engine, statement: Executable
) -> tuple[str | None, list[tuple[int, Any]] | None]:
    key = (id(statement), engine.dialect.name)
    kept = _PLAIN.get(key)
    if kept is None or kept[0] is not statement:
        compiled = statement.compile(dialect=engine.dialect)  # type: ignore[attr-defined]
        processors = [
            column_type._cached_result_processor(engine.dialect, None)
            for _, _, _, column_type in compiled._result_columns
        ]
        # Parameters that need converting on the way in stay with SQLAlchemy (text None).
        text = None if compiled._bind_processors else str(compiled)
        # (column, converter) of the columns SQLAlchemy converts (type decorators); None when
        # psycopg's values are the result's already.
        converting = [(i, convert) for i, convert in enumerate(processors) if convert is not None]
        kept = (statement, text, converting or None)
        _PLAIN[key] = kept
    return kept[1], kept[2]


def init_app(app: Flask) -> None:
    """Read-only pages skip the rate limiter's before-request check (every limit in the portal
    counts form posts; its look-up costs more than the rest of a kept page's hooks)."""
    hooks = app.before_request_funcs.setdefault(None, [])
    for i, hook in enumerate(hooks):
        if getattr(hook, "__self__", None) is limiter:
            hooks[i] = _unless_read_only(hook)
    # Its after-request hook only adds rate-limit headers of a limit that was checked.
    after = app.after_request_funcs.setdefault(None, [])
    for i, hook in enumerate(after):
        if isinstance(hook, partial) and hook.args[:1] == (limiter,):
            after[i] = _after_unless_read_only(hook)
    # Its teardown empties the request's record of checked limits, which the checks skipped
    # above never filled (Flask-Limiter makes the record only to empty it).
    teardown = app.teardown_request_funcs.setdefault(None, [])
    for i, hook in enumerate(teardown):
        if getattr(hook, "__self__", None) is limiter:
            teardown[i] = _teardown_unless_read_only(hook)


def _unless_read_only(hook: Callable[[], Any]) -> Callable[[], Any]:
    @wraps(hook)
    def check() -> Any:
        return None if is_read_only_request() else hook()

    return check


def _after_unless_read_only(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @wraps(hook)
    def check(response: Any) -> Any:
        return response if is_read_only_request() else hook(response)

    return check


def _teardown_unless_read_only(hook: Callable[[BaseException | None], Any]) -> Callable[..., Any]:
    @wraps(hook)
    def release(error: BaseException | None = None) -> Any:
        return None if is_read_only_request() else hook(error)

    return release

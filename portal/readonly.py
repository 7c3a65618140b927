"""Reader pages that never write: marked once, so the request path can skip what only writes
need (a transaction, the rate-limit look-up, an ORM-managed user).

A view is marked with `read_only` (content/pagecache.py's `anonymous_cache` marks every page it
may share, since a page fit for a shared cache cannot depend on writing). The user loader then
reads the reader's access in autocommit (no BEGIN and ROLLBACK round trips) and hands back a
detached user; the rate limiter skips its look-up (every limit counts form posts).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy.engine import Connection, Engine

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
    if not has_request_context() or request.method not in READ_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _MARK, False))


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


def init_app(app: Flask) -> None:
    """Read-only pages skip the rate limiter's before-request check (every limit in the portal
    counts form posts; its look-up costs more than the rest of a kept page's hooks)."""
    hooks = app.before_request_funcs.setdefault(None, [])
    for i, hook in enumerate(hooks):
        if getattr(hook, "__self__", None) is limiter:
            hooks[i] = _unless_read_only(hook)


def _unless_read_only(hook: Callable[[], Any]) -> Callable[[], Any]:
    @wraps(hook)
    def check() -> Any:
        return None if is_read_only_request() else hook()

    return check

"""The reader's access in one fresh statement per request: the user row plus what pages ask.

On PostgreSQL the user loader reads the users row together with `reader_access()` (a SQL
function, migration 0011): paid access (grant, individual subscription, organisation seat),
the organisations for the header switcher and whose payment failed. The answer lives for the
request only (`g`), so a revoked grant, a lapsed organisation, "log out everywhere" or a
password change take effect on the very next request; nothing about access outlives it.
On SQLite the same questions are asked as plain queries when a page needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import bindparam, column, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.sql.selectable import TextualSelect

from portal.accounts.models import User
from portal.extensions import db
from portal.readonly import UNANSWERED, fetch_plain, is_read_only_request
from portal.timeutil import utcnow

_G_KEY = "_reader_access"
# Pages that change memberships or billing within the request (form posts) ask again.
_READ_METHODS = ("GET", "HEAD")


@dataclass(frozen=True)
class HeaderOrg:
    slug: str
    name: str


@dataclass(frozen=True)
class HeaderMembership:
    """What the header's organisation switcher shows of a membership (no ORM object)."""

    id: int
    role: str
    org: HeaderOrg


@dataclass(frozen=True)
class ReaderAccess:
    user_id: int
    paid: bool
    memberships: list[HeaderMembership]
    payment_problem: dict[str, str] | None


_USERS = User.__table__
# The users row and the reader's access as plain columns: on a read-only page (readonly.py) the
# user is built from them without the ORM's loading machinery, which costs more than the
# statement itself.
_WITH_ACCESS = select(
    *_USERS.columns, func.reader_access(_USERS.c.id, bindparam("now")).label("facts")
).where(_USERS.c.id == bindparam("id"), _USERS.c.session_version == bindparam("version"))


WITH_ACCESS = _WITH_ACCESS  # for pages put together outside Flask (content/kept_readers.py)
WITH_ACCESS_WIDTH = len(_USERS.columns) + 1


def with_also(sql: str, columns: Sequence[Any]) -> TextualSelect:
    """`_WITH_ACCESS` and another statement (`sql`, which may use :id as the user's id) in one:
    the user's columns, their access, then that statement's `columns`, for the one row of each
    (no row when either has none). A page put together outside Flask reads its own first row
    in the same round trip as the reader (content/kept_readers.py)."""
    names = ", ".join(f"u.{c.name}" for c in _USERS.columns)
    # The code's own SQL, never input: every value is bound.
    statement = (
        f"SELECT {names}, reader_access(u.id, :now) AS facts, page.* FROM users u "  # noqa: S608
        f"CROSS JOIN LATERAL ({sql}) AS page WHERE u.id = :id AND u.session_version = :version"
    )
    return text(statement).columns(
        *(column(c.name, c.type) for c in _USERS.columns), column("facts"), *columns
    )


_KEYS = tuple(column.key for column in _USERS.columns)
_NEW_USER = User._sa_class_manager.new_instance  # type: ignore[attr-defined]
_USER_MAPPER = User.__mapper__


def load_user(user_id: int, session_version: int) -> User | None:
    """The user for a session cookie, with their access, in one statement (PostgreSQL).

    None when the cookie's session version is not the user's current one. On a read-only
    reader page the statement runs without a transaction and the user comes back detached
    (nothing on such a page changes it); elsewhere it is the session's own ORM object.
    """
    if is_read_only_request():
        bind = db.engine
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            # A connection of its own, in autocommit, back in the pool at once: a warm page
            # needs no ORM session at all (no BEGIN, no ROLLBACK, no session to close).
            if not bind.dispatch.before_cursor_execute:
                found = read_plainly(bind, user_id, session_version)
                if found is not UNANSWERED:
                    return _detached(found)
            # Someone watches statements (tests count them), or the plain path failed: the
            # same statement through SQLAlchemy, with its events and its disconnect handling.
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                return _load_detached(connection, user_id, session_version)
        if bind.dialect.name == "postgresql":  # tests: one connection for everything
            return _load_detached(db.session.connection(), user_id, session_version)
    if db.session.get_bind().dialect.name != "postgresql":
        user = db.session.get(User, user_id)
        return user if user is not None and user.session_version == session_version else None
    row = db.session.execute(
        select(User, func.reader_access(User.id, utcnow())).where(
            User.id == user_id, User.session_version == session_version
        )
    ).first()
    if row is None:
        return None
    user, facts = row
    _remember(user, facts)
    return user


def params(user_id: int, session_version: int) -> dict[str, Any]:
    return {"now": utcnow(), "id": user_id, "version": session_version}


def _load_detached(connection: Connection, user_id: int, session_version: int) -> User | None:
    return _detached(connection.execute(_WITH_ACCESS, params(user_id, session_version)).first())


def _detached(found: Sequence[Any] | None) -> User | None:
    if found is None:
        return None
    user, access = detached_reader(found)
    setattr(g, _G_KEY, access)
    return user


def detached_reader(found: Sequence[Any], session_bound: bool = True) -> tuple[User, ReaderAccess]:
    """The user and their access from a row of `_WITH_ACCESS`, outside any ORM session;
    `session_bound=False` when no ORM session will ever see the user (a page put together
    outside Flask's request reads a few attributes only)."""
    # Straight into the instance's dict, as the ORM's own loading does: User's constructor
    # runs an attribute event per column, which cost more than the statement's Python side.
    if not _USER_MAPPER.configured:
        configure_mappers()  # as User() would
    user = _NEW_USER()
    user.__dict__.update(zip(_KEYS, found[:-1], strict=True))
    if session_bound:
        make_transient_to_detached(user)
    return user, access_of(user, found[-1])


def read_plainly(engine: Engine, user_id: int, session_version: int) -> Any:
    """The row of `_WITH_ACCESS` for this session on the thread's own connection (readonly.py's
    fetch_plain): None for a stale session version, UNANSWERED when psycopg raised."""
    return fetch_plain(engine, _WITH_ACCESS, params(user_id, session_version))


def _remember(user: User, facts: dict[str, Any]) -> None:
    setattr(g, _G_KEY, access_of(user, facts))


def access_of(user: User, facts: dict[str, Any]) -> ReaderAccess:
    problem = facts.get("problem")
    if problem is not None and problem.get("own"):
        problem = {"name": user.name}
    return ReaderAccess(
        user_id=user.id,
        paid=bool(facts["paid"]),
        memberships=[
            HeaderMembership(id=m[0], role=m[1], org=HeaderOrg(slug=m[2], name=m[3]))
            for m in facts["orgs"]
        ],
        payment_problem=problem,
    )


def answered(user: Any) -> ReaderAccess | None:
    """This request's answer for `user`, if the loader gave one (never another user's)."""
    found: ReaderAccess | None = g.get(_G_KEY)
    if found is None or user is None or getattr(user, "id", None) != found.user_id:
        return None
    return found


def on_read(user: Any) -> ReaderAccess | None:
    """The loader's answer for `user` on a GET or HEAD request, else None (ask afresh)."""
    if not has_request_context() or request.method not in _READ_METHODS:
        return None
    return answered(user)


def forget() -> None:
    """Drop this request's answer (after a change to access within the same request)."""
    g.pop(_G_KEY, None)

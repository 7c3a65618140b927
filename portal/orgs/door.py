"""The organisation door's one statement: the live organisation by slug, the user's membership
of it and whether the organisation has access now, with the tenancy settings set on the way
(PostgreSQL: the `org_door` function of migration 0012).

A read-only page (readonly.read_only) may also name its first read with `looks`: the door
then runs a function that does org_door's work and that read in one statement (migration
0013), in autocommit on the thread's own connection – no ORM session transaction, no ORM loading;
the organisation and membership come back as detached objects and the page's read through
`seen`. The session records the scope, so a page that turns out to need more (its blocks not
kept yet) reads in a transaction scoped as usual.

On SQLite (no row-level security, no settings) the same questions are asked as plain queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g
from sqlalchemy import Boolean, column, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import configure_mappers, make_transient_to_detached

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import scoping, service
from portal.orgs.models import Membership, Organization
from portal.readonly import UNANSWERED, fetch_plain, is_read_only_request
from portal.timeutil import utcnow

F = TypeVar("F", bound=Callable[..., Any])

# The function's columns, in its order (tests/orgs/test_door.py: every column of both models).
ORG_COLUMNS = ("id", "slug", "name", "org_number", "billing_email", "seat_limit",
               "trial_ends_at", "created_at", "deleted_at")  # fmt: skip
MEMBER_COLUMNS = ("id", "user_id", "role", "created_at", "org_id")
_ACCESS = column("has_access", Boolean)
_DOOR = text("SELECT * FROM org_door(:slug, :user_id, :at)").columns(
    *(Organization.__table__.c[name] for name in ORG_COLUMNS),
    *(Membership.__table__.c[name] for name in MEMBER_COLUMNS),
    _ACCESS,
)
_QUERY = select(Organization, Membership, _ACCESS).from_statement(_DOOR)


@dataclass(frozen=True)
class Entry:
    """Who came in where: the organisation, the membership and its access now (None: ask
    billing, as on SQLite)."""

    org: Organization
    membership: Membership
    has_access: bool | None


def enter(slug: str, user: User) -> Entry | None:
    """The user's way into the organisation `slug`, the session scoped to it; None for an
    unknown or deleted organisation or a non-member (whose scope is left as it was)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return _enter_plainly(slug, user)
    # An ORM statement: pending changes are flushed first, under the scope they were made in.
    row = db.session.execute(_QUERY, {"slug": slug, "user_id": user.id, "at": utcnow()}).first()
    # The function has set veivalg.user_id (and, for a member, veivalg.org_id) in this
    # transaction; the session records them so the next transaction gets them too.
    scoping.record_user(user)
    if row is None:
        return None
    org, membership, has_access = row
    scoping.record_org(org)
    return Entry(org, membership, bool(has_access))


def _enter_plainly(slug: str, user: User) -> Entry | None:
    org = service.get_by_slug(slug)
    membership = service.membership_for(org, user) if org is not None else None
    if org is None or membership is None:
        return None
    scoping.use_org(org)
    return Entry(org, membership, None)


# A read-only page's look: its first read, made in the door's own statement.
_LOOK_MARK = "veivalg_door_look"
_SEEN = "_door_seen"
UNSEEN: Any = object()
_ORG_TABLE = Organization.__table__.c
_MEMBER_TABLE = Membership.__table__.c
# org_door's columns as plain typed columns (positional; no ORM entity to load).
_DOOR_COLUMNS = (
    *(column(f"o_{name}", _ORG_TABLE[name].type) for name in ORG_COLUMNS),
    *(column(f"m_{name}", _MEMBER_TABLE[name].type) for name in MEMBER_COLUMNS),
    column("has_access", Boolean),
)
_PAGE_AT = len(_DOOR_COLUMNS)
_NEW_ORG = Organization._sa_class_manager.new_instance  # type: ignore[attr-defined]
_NEW_MEMBER = Membership._sa_class_manager.new_instance  # type: ignore[attr-defined]


class Look:
    """What a read-only page reads first, asked in the door's statement: `sql` selects from a
    SQL function (migration 0013) of :slug, :user_id, :at and the page's own parameters,
    returning org_door's columns and then `columns`; `params` gives the page's parameters
    from the URL's values (None: this request goes the usual way), and `answer` makes the
    page's value of the columns after the door's (what `seen` returns)."""

    def __init__(
        self,
        sql: str,
        columns: Sequence[Any],
        params: Callable[[Mapping[str, Any]], dict[str, Any] | None],
        answer: Callable[[Sequence[Any]], Any],
    ) -> None:
        self.sql = sql
        self.columns = (*_DOOR_COLUMNS, *columns)
        self.statement = text(sql).columns(*self.columns)
        self.params = params
        self.answer = answer


def looks(look: Look) -> Callable[[F], F]:
    """Mark a read-only view: its door also reads `look` (seen(look) in the view)."""

    def mark(view: F) -> F:
        setattr(view, _LOOK_MARK, look)
        return view

    return mark


def enter_page(
    slug: str, user: User, endpoint: str | None, values: Mapping[str, Any]
) -> Entry | None:
    """The door for the page `endpoint`: with its look when it has one and this is a GET of a
    read-only view on PostgreSQL, else `enter`."""
    g.pop(_SEEN, None)  # `g` can outlive a request (tests' outer app context)
    look = _look_for(endpoint)
    page = look.params(values) if look is not None else None
    if look is None or page is None:
        return enter(slug, user)
    params = {"slug": slug, "user_id": user.id, "at": utcnow(), **page}
    row = _run(look.statement, params)
    if row is None:
        scoping.record_outside(user, None)
        return None
    org, membership = _detached(row, user)
    # The statement set veivalg.user_id and veivalg.org_id in its own transaction, gone now;
    # the session's transactions, if the page needs any (blocks not kept), get them too.
    scoping.record_outside(user, org)
    setattr(g, _SEEN, (look, look.answer(row[_PAGE_AT:])))
    return Entry(org, membership, bool(row[_PAGE_AT - 1]))


def seen(look: Look) -> Any:
    """What this request's door read for `look`, or UNSEEN (read it yourself)."""
    found = g.get(_SEEN)
    return found[1] if found is not None and found[0] is look else UNSEEN


def _look_for(endpoint: str | None) -> Look | None:
    if not endpoint or not is_read_only_request():
        return None
    look: Look | None = getattr(current_app.view_functions.get(endpoint), _LOOK_MARK, None)
    if look is None or db.engine.dialect.name != "postgresql":
        return None
    return look


def _run(statement: Any, params: dict[str, Any]) -> Sequence[Any] | None:
    bind = db.engine
    if isinstance(bind, Engine):
        # The reader_access way: the thread's own psycopg connection in autocommit unless
        # someone watches statements (tests count them) or psycopg failed; then SQLAlchemy's.
        if not bind.dispatch.before_cursor_execute:
            found = fetch_plain(bind, statement, params)
            if found is not UNANSWERED:
                return found  # type: ignore[no-any-return]
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return connection.execute(statement, params).first()
    # Tests: one connection for everything, in the test's transaction.
    return db.session.connection().execute(statement, params).first()


def _detached(row: Sequence[Any], user: User) -> tuple[Organization, Membership]:
    """The organisation and membership straight into their instances' dicts, as the ORM's own
    loading does (reader_access._detached): detached, their columns and relationships loaded."""
    configure_mappers()
    org = _NEW_ORG()
    org.__dict__.update(zip(ORG_COLUMNS, row[: len(ORG_COLUMNS)], strict=True))
    make_transient_to_detached(org)
    membership = _NEW_MEMBER()
    start = len(ORG_COLUMNS)
    membership.__dict__.update(
        zip(MEMBER_COLUMNS, row[start : start + len(MEMBER_COLUMNS)], strict=True)
    )
    membership.__dict__["org"] = org
    person = getattr(user, "_get_current_object", lambda: user)()
    if isinstance(person, User) and person.id == membership.user_id:
        membership.__dict__["user"] = person
    make_transient_to_detached(membership)
    return org, membership

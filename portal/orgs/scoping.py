"""Tenant scoping: which organisation (and user) the database session works for.

The scope lives in `db.session.info` and is applied to every transaction by an
`after_begin` event as transaction-local PostgreSQL settings, which the row-level
security policies of the tenant tables compare against. With no scope set, the
tenant tables show no rows. On SQLite the settings are skipped and the
application's own filters (OrgScoped) are the only wall.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g, has_app_context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction

from portal.extensions import db, listen_once

ORG_KEY = "veivalg.org_id"
USER_KEY = "veivalg.user_id"
SYSTEM_KEY = "veivalg.system"
_KEYS = (ORG_KEY, USER_KEY, SYSTEM_KEY)

_APPLY = text(
    "SELECT set_config('veivalg.org_id', :org, true), "
    "set_config('veivalg.user_id', :user, true), "
    "set_config('veivalg.system', :system, true)"
)


def _values(session: Session) -> dict[str, str]:
    return {
        "org": str(session.info.get(ORG_KEY) or ""),
        "user": str(session.info.get(USER_KEY) or ""),
        "system": "on" if session.info.get(SYSTEM_KEY) else "",
    }


def _apply(session: Session, connection: Connection, *, always: bool = False) -> None:
    if connection.dialect.name != "postgresql":
        return
    values = _values(session)
    # A new transaction starts with no setting, which the policies read as "no rows":
    # with no scope there is nothing to set, and an anonymous page saves a round trip.
    if always or any(values.values()):
        connection.execute(_APPLY, values)


def _scope_new_transaction(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    # Every transaction (also the one after a commit mid-request) gets the session's scope;
    # set_config(..., true) ends with the transaction: a connection carries nothing onwards.
    _adopt(session)
    _apply(session, connection)


# A scope recorded before this request had a session (record_outside): the session takes it
# over when it is made and used. Per app context, as the session itself.
_PENDING = "_veivalg_pending_scope"


def _adopt(session: Session) -> None:
    if has_app_context():
        pending = g.pop(_PENDING, None)
        if pending:
            session.info.update(pending)


def _info() -> dict[str, Any]:
    """The request's session's scope (with what was recorded before it existed)."""
    session = db.session()
    _adopt(session)
    return session.info


def install() -> None:
    """Apply the scope to every transaction (create_app calls this once)."""
    listen_once(Session, "after_begin", _scope_new_transaction)


def _reapply() -> None:
    session = db.session()
    if session.in_transaction():
        # Mid-transaction a scope may be cleared, so the settings are written even if empty.
        _apply(session, session.connection(), always=True)


def use_org(org: Any) -> None:
    """Scope the session to this organisation (the caller has established the right to it)."""
    if _info().get(ORG_KEY) not in (None, org.id):
        db.session.flush()  # changes made for the previous organisation are written under it
    _info()[ORG_KEY] = org.id
    _reapply()


def use_user(user: Any) -> None:
    """Let the session see the user's own memberships (header switcher, membership check)."""
    user_id = getattr(user, "id", None)
    if _info().get(USER_KEY) == user_id:
        return
    _info()[USER_KEY] = user_id
    _reapply()


def record_user(user: Any) -> None:
    """The session's transaction has had veivalg.user_id set to this user by a statement of
    its own (the organisation door, door.py): remember it for the transactions after."""
    _info()[USER_KEY] = getattr(user, "id", None)


def record_org(org: Any) -> None:
    """As record_user, for veivalg.org_id."""
    _info()[ORG_KEY] = org.id


def record_outside(user: Any, org: Any | None) -> None:
    """A statement outside the session (the door of a warm page, in autocommit) had these
    settings for itself only: the session's transactions get them from now on, as after
    record_user/record_org – and no session is made for it (a warm page needs none)."""
    scope = {USER_KEY: getattr(user, "id", None)}
    if org is not None:
        scope[ORG_KEY] = org.id
    if db.session.registry.has():
        _info().update(scope)
    else:
        g.setdefault(_PENDING, {}).update(scope)


def current_org_id() -> int | None:
    return _info().get(ORG_KEY)


@contextmanager
def system_scope() -> Iterator[None]:
    """Cross-tenant access for marked code paths only: beat/worker tasks, staff pages, the
    invitation-token and e-mail-domain look-ups. Every use is listed in docs/organisations.md."""
    # Changes made before are written now, under the scope they were made in: the autoflush
    # of a query inside would otherwise write them with the system scope's rights.
    db.session.flush()
    previous = _info().get(SYSTEM_KEY)
    _info()[SYSTEM_KEY] = True
    _reapply()
    try:
        yield
        db.session.flush()  # write pending changes while the scope still allows them
    finally:
        _info()[SYSTEM_KEY] = previous
        _reapply()


@contextmanager
def org_scope(org: Any) -> Iterator[None]:
    """Temporarily scope the session to `org` (e.g. a task working on one organisation)."""
    previous = _info().get(ORG_KEY)
    if previous not in (None, org.id):
        db.session.flush()
    _info()[ORG_KEY] = org.id
    _reapply()  # always: also re-syncs a connection whose settings another session changed
    try:
        yield
        db.session.flush()  # write pending changes while the scope still allows them
    finally:
        _info()[ORG_KEY] = previous
        _reapply()

"""The organisation door's one statement: the live organisation by slug, the user's membership
of it and whether the organisation has access now, with the tenancy settings set on the way
(PostgreSQL: the `org_door` function of migration 0012).

On SQLite (no row-level security, no settings) the same questions are asked as plain queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, column, select, text

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import scoping, service
from portal.orgs.models import Membership, Organization
from portal.timeutil import utcnow

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

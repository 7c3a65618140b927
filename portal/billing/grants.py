"""Complimentary access granted by staff, to a user or an organisation."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.accounts.models import User
from portal.billing.errors import BillingError
from portal.billing.models import ComplimentaryGrant
from portal.extensions import db
from portal.orgs.models import Organization
from portal.timeutil import utcnow


def _check(reason: str, ends_at: datetime | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Oppgi en begrunnelse."))
    if ends_at is not None and ends_at <= utcnow():
        raise BillingError(_("Sluttdatoen må være i fremtiden."))
    return reason[:300]


def grant_to_user(
    user: User, reason: str, ends_at: datetime | None = None, granted_by: User | None = None
) -> ComplimentaryGrant:
    """Give a user paid-level access until ends_at (None: until revoked)."""
    grant = ComplimentaryGrant(
        user_id=user.id,
        reason=_check(reason, ends_at),
        ends_at=ends_at,
        granted_by_id=granted_by.id if granted_by else None,
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def grant_to_org(
    org: Organization, reason: str, ends_at: datetime | None = None, granted_by: User | None = None
) -> ComplimentaryGrant:
    """Give every member of an organisation paid-level access until ends_at."""
    grant = ComplimentaryGrant(
        org_id=org.id,
        reason=_check(reason, ends_at),
        ends_at=ends_at,
        granted_by_id=granted_by.id if granted_by else None,
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def revoke(grant: ComplimentaryGrant) -> None:
    """End a grant now; revoking twice changes nothing."""
    if grant.revoked_at is None:
        grant.revoked_at = utcnow()
        db.session.flush()


def get(grant_id: int) -> ComplimentaryGrant | None:
    return db.session.get(ComplimentaryGrant, grant_id)


def _active(
    query: Select[tuple[ComplimentaryGrant]], at: datetime | None
) -> ComplimentaryGrant | None:
    at = at or utcnow()
    rows = db.session.scalars(query.where(ComplimentaryGrant.revoked_at.is_(None)))
    return next((g for g in rows if g.is_active(at)), None)


def active_user_grant(user: User, at: datetime | None = None) -> ComplimentaryGrant | None:
    return _active(select(ComplimentaryGrant).where(ComplimentaryGrant.user_id == user.id), at)


def active_org_grant(org: Organization, at: datetime | None = None) -> ComplimentaryGrant | None:
    return _active(select(ComplimentaryGrant).where(ComplimentaryGrant.org_id == org.id), at)


def grants_for_user(user: User) -> list[ComplimentaryGrant]:
    query = select(ComplimentaryGrant).where(ComplimentaryGrant.user_id == user.id)
    return list(db.session.scalars(query.order_by(ComplimentaryGrant.created_at.desc())))


def grants_for_org(org: Organization) -> list[ComplimentaryGrant]:
    query = select(ComplimentaryGrant).where(ComplimentaryGrant.org_id == org.id)
    return list(db.session.scalars(query.order_by(ComplimentaryGrant.created_at.desc())))

"""Complimentary access granted by staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.billing.models import ComplimentaryGrant
from portal.extensions import db
from portal.timeutil import utcnow


def grant_to_user(
    user: User, reason: str, ends_at: datetime | None = None, granted_by: User | None = None
) -> ComplimentaryGrant:
    """Give a user paid-level access until ends_at (None: until revoked)."""
    grant = ComplimentaryGrant(
        user_id=user.id,
        reason=reason,
        ends_at=ends_at,
        granted_by_id=granted_by.id if granted_by else None,
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def active_user_grant(user: User, at: datetime | None = None) -> ComplimentaryGrant | None:
    at = at or utcnow()
    grants = db.session.scalars(
        select(ComplimentaryGrant).where(
            ComplimentaryGrant.user_id == user.id, ComplimentaryGrant.revoked_at.is_(None)
        )
    ).all()
    return next((g for g in grants if g.is_active(at)), None)

"""Helpers of the organisation tests (the tenant fixtures live in tests/support/tenants.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.orgs import scoping
from portal.orgs.models import Invitation, Membership, Organization, OrgAuditEntry, OrgDomain


def snapshot(org: Organization) -> dict[str, Any]:
    """Everything of one organisation's rows that a write could change."""
    with scoping.system_scope():
        db.session.expire_all()
        fresh = db.session.get(Organization, org.id)
        return {
            "org": (fresh.name, fresh.slug, fresh.seat_limit, fresh.deleted_at, fresh.org_number),
            "members": sorted(
                db.session.execute(
                    select(Membership.id, Membership.user_id, Membership.role).where(
                        Membership.org_id == org.id
                    )
                ).all()
            ),
            "invitations": sorted(
                db.session.execute(
                    select(
                        Invitation.id,
                        Invitation.token_hash,
                        Invitation.revoked_at,
                        Invitation.accepted_at,
                        Invitation.expires_at,
                    ).where(Invitation.org_id == org.id)
                ).all()
            ),  # fmt: skip
            "domains": sorted(
                db.session.execute(
                    select(OrgDomain.id, OrgDomain.domain).where(OrgDomain.org_id == org.id)
                ).all()
            ),
            "audit": db.session.scalar(select(func.count()).where(OrgAuditEntry.org_id == org.id)),
        }

"""Billing state of members and organisations, as the back office lists it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.accounts.models import User
from portal.billing import grants
from portal.billing import service as billing_service
from portal.billing.entitlements import org_has_access
from portal.billing.models import ComplimentaryGrant, Subscription
from portal.extensions import db
from portal.orgs import deletion as orgs_deletion
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.orgs.scoping import system_scope
from portal.timeutil import utcnow

PAGE_SIZE = 100


@dataclass
class MemberRow:
    user: User
    subscription: Subscription | None
    grant: ComplimentaryGrant | None


@dataclass
class OrgRow:
    org: Organization
    subscription: Subscription | None
    grant: ComplimentaryGrant | None
    seats_used: int
    has_access: bool
    on_trial: bool


def member_rows(query: str = "") -> list[MemberRow]:
    """Users (newest first, or matching the e-mail or name search) with their billing state."""
    stmt = select(User).order_by(User.created_at.desc()).limit(PAGE_SIZE)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(User.email.ilike(like) | User.name.ilike(like))
    return [
        MemberRow(u, billing_service.user_subscription(u), grants.active_user_grant(u))
        for u in db.session.scalars(stmt)
    ]


def org_rows() -> list[OrgRow]:
    """Every live organisation with its subscription, grant, seats and trial (cross-tenant)."""
    now = utcnow()
    rows = []
    with system_scope():
        for org in orgs_deletion.all_organizations():
            if org.deleted_at is not None:
                continue
            rows.append(
                OrgRow(
                    org=org,
                    subscription=billing_service.org_subscription(org),
                    grant=grants.active_org_grant(org),
                    seats_used=orgs_service.seats_used(org),
                    has_access=org_has_access(org),
                    on_trial=org.trial_ends_at is not None and now < org.trial_ends_at,
                )
            )
    return rows

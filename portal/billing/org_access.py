"""Who may see and manage an organisation's billing: owners manage, admins look."""

from __future__ import annotations

from flask import abort

from portal.accounts.models import User
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization


def owned_orgs(user: User) -> list[Organization]:
    """The live organisations the user owns (they may buy and manage seats for them)."""
    return [m.org for m in orgs_service.memberships_for_user(user) if m.role == "owner"]


def org_for_billing(slug: str, user: User, *, manage: bool) -> Organization:
    """The organisation for a billing page: outsiders get 404 (as for any tenant page);
    members without the right get 403 (owners manage; admins may look)."""
    org = orgs_service.get_by_slug(slug)
    if org is None:
        abort(404)
    membership = orgs_service.membership_for(org, user)
    if membership is None:
        abort(404)
    needed = "owner" if manage else "admin"
    if not membership.has_role(needed):
        abort(403)
    return org

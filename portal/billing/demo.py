"""Demo billing data for `flask seed-demo`: plans, and complimentary access for the demo payers."""

from __future__ import annotations

from portal.accounts.models import User
from portal.billing import grants, plans
from portal.orgs import service as orgs_service
from portal.orgs.scoping import system_scope

DEMO_REASON = "Demodata (seed-demo)"


def seed(users: dict[str, User]) -> list[str]:
    """Plans, a grant for subscriber@example.com and one for `acme` once it exists; idempotent."""
    lines = [f"plans: {len(plans.ensure_plans())}"]
    subscriber = users.get("subscriber@example.com")
    if subscriber is not None and grants.active_user_grant(subscriber) is None:
        grants.grant_to_user(subscriber, DEMO_REASON)
        lines.append("grant: subscriber@example.com")
    with system_scope():
        acme = orgs_service.get_by_slug("acme")
        if acme is not None and grants.active_org_grant(acme) is None:
            grants.grant_to_org(acme, DEMO_REASON)
            lines.append("grant: acme")
    return lines

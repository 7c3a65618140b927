"""Whose payment failed: the member's own subscription, or an organisation the member owns."""

from __future__ import annotations

from flask_login import AnonymousUserMixin

from portal.accounts.models import User
from portal.billing import service as billing_service
from portal.billing.org_access import owned_orgs
from portal.orgs.models import Organization


def payment_problem(user: User | AnonymousUserMixin | None) -> User | Organization | None:
    """The payer (the user or an organisation they own) whose subscription is past due, so the
    banner can ask them to update the payment method; None when all is well."""
    if user is None or not user.is_authenticated:
        return None
    own = billing_service.user_subscription(user)
    if own is not None and own.status == "past_due":
        return user
    for org in owned_orgs(user):
        subscription = billing_service.org_subscription(org)
        if subscription is not None and subscription.status == "past_due":
            return org
    return None

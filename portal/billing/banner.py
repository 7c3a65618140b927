"""Whose payment failed: the member's own subscription, or an organisation the member owns."""

from __future__ import annotations

import time

from flask import session
from flask_login import AnonymousUserMixin, current_user

from portal.accounts.models import User
from portal.billing import reader_access
from portal.billing import service as billing_service
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization


def payment_problem(user: User | AnonymousUserMixin | None) -> User | Organization | None:
    """The payer (the user or an organisation they own) whose subscription is past due, so the
    banner can ask them to update the payment method; None when all is well."""
    if user is None or not user.is_authenticated:
        return None
    own = billing_service.user_subscription(user)
    if own is not None and own.status == "past_due":
        return user
    for org in orgs_service.owned_orgs(user):
        subscription = billing_service.org_subscription(org)
        if subscription is not None and subscription.status == "past_due":
            return org
    return None


BANNER_TTL_SECONDS = 300
_SESSION_KEY = "_billing_banner"


def cached_payment_problem(
    user: User | AnonymousUserMixin | None, fresh: bool = False
) -> dict[str, str] | None:
    """payment_problem() as shown on every page: on a reader's GET the user loader's answer
    from this request (no extra query), else remembered in the session for five minutes;
    billing pages ask with fresh=True."""
    if user is None or not user.is_authenticated:
        return None
    loaded = reader_access.on_read(user)
    if loaded is not None and not fresh:
        return loaded.payment_problem
    cached = session.get(_SESSION_KEY)
    now = time.time()
    if (
        not fresh
        and isinstance(cached, dict)
        and cached.get("uid") == user.id
        and now - float(cached.get("at", 0)) < BANNER_TTL_SECONDS
    ):
        return cached.get("payer")
    payer = payment_problem(user)
    value: dict[str, str] | None = None
    if isinstance(payer, Organization):
        value = {"name": payer.name, "slug": payer.slug}
    elif payer is not None:
        value = {"name": payer.name}
    session[_SESSION_KEY] = {"uid": user.id, "at": now, "payer": value}
    return value


def banner_context() -> dict[str, object]:
    """Templates' `billing_payment_problem(fresh=False)` (create_app installs it as a context
    processor); a function, so pages that never show the banner never query for it."""
    return {
        "billing_payment_problem": lambda fresh=False: cached_payment_problem(
            current_user, fresh=fresh
        )
    }

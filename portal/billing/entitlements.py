"""The one entitlement function: may this user read an article of this access level?"""

from __future__ import annotations

from flask import g
from flask_login import AnonymousUserMixin

from portal.accounts.models import User
from portal.billing import grants

ACCESS_LEVELS = ("public", "members", "paid")


def has_paid_access(user: User | AnonymousUserMixin | None) -> bool:
    """Paid-level access: staff, or an active complimentary grant.

    The billing issue adds individual subscriptions, organisation seats and trials here.
    The answer is cached for the request, since a page may ask many times.
    """
    if user is None or not user.is_authenticated:
        return False
    cache = g.setdefault("_paid_access", {})
    if user.id not in cache:
        cache[user.id] = user.is_staff or grants.active_user_grant(user) is not None
    return cache[user.id]


def can_read(user: User | AnonymousUserMixin | None, access: str) -> bool:
    """DESIGN.md's access table: public for all, members for any logged-in member, paid for
    subscribers, organisation seats, complimentary grants and staff. Unknown levels: nobody."""
    if access == "public":
        return True
    if access == "members":
        return user is not None and user.is_authenticated
    if access == "paid":
        return has_paid_access(user)
    return False

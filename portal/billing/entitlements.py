"""The one entitlement function: may this user read an article of this access level?"""

from __future__ import annotations

from flask import g
from flask_login import AnonymousUserMixin

from portal.accounts.models import User
from portal.billing import grants, reader_access
from portal.billing import service as billing_service
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.orgs.scoping import system_scope
from portal.timeutil import utcnow

ACCESS_LEVELS = ("public", "members", "paid")


def org_has_access(org: Organization) -> bool:
    """An organisation's seats read paid articles while its subscription is live (active,
    trialing, past_due; cancelled ones until the period ends), during its trial, or with an
    active complimentary grant."""
    now = utcnow()
    if org.deleted_at is not None:
        return False
    if org.trial_ends_at is not None and now < org.trial_ends_at:
        return True
    subscription = billing_service.org_subscription(org)
    if subscription is not None and subscription.grants_access(now):
        return True
    return grants.active_org_grant(org, now) is not None


def _compute_paid_access(user: User) -> bool:
    if user.is_staff:
        return True
    now = utcnow()
    if grants.active_user_grant(user, now) is not None:
        return True
    subscription = billing_service.user_subscription(user)
    if subscription is not None and subscription.grants_access(now):
        return True
    # The user's own memberships only (filtered by user id); the system scope makes the
    # look-up independent of whichever organisation the session is scoped to right now.
    with system_scope():
        orgs = [m.org for m in orgs_service.memberships_for_user(user)]
    return any(org_has_access(org) for org in orgs)


def has_paid_access(user: User | AnonymousUserMixin | None) -> bool:
    """Paid-level access: staff, a complimentary grant, a live individual subscription, or a
    seat (membership) in an organisation that has access.

    The answer is kept for the request, since a page may ask many times; on a reader's GET it
    is the one the user loader read together with the user (reader_access.py).
    """
    if user is None or not user.is_authenticated:
        return False
    if user.id is None:
        # An unsaved stand-in (a preview): "user_id = NULL" look-ups would match rows that
        # belong to organisations, not to anyone.
        return bool(user.is_staff)
    cache = g.setdefault("_paid_access", {})
    if user.id not in cache:
        loaded = reader_access.on_read(user)
        if loaded is not None:
            cache[user.id] = paid_with(user, loaded)
        else:
            cache[user.id] = _compute_paid_access(user)
    return cache[user.id]


def paid_with(user: User, loaded: reader_access.ReaderAccess) -> bool:
    """Paid-level access from the user loader's answer (staff read everything)."""
    return bool(user.is_staff) or loaded.paid


def readable_with(user: User, loaded: reader_access.ReaderAccess) -> tuple[str, ...]:
    """The levels a logged-in reader may read in full, from the user loader's answer: what
    `can_read` says for each level on a reader's GET (tests/content/test_kept_readers.py)."""
    if paid_with(user, loaded):
        return ACCESS_LEVELS
    return ("public", "members")


def forget(user: User) -> None:
    """Drop the cached answer (after a change within the same request)."""
    g.setdefault("_paid_access", {}).pop(user.id, None)
    reader_access.forget()


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

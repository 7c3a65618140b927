"""Billing operations other domains call: subscription state, seats, and cancelling on deletion."""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.accounts.models import User
from portal.billing import customers, gateway, mirror
from portal.billing.errors import BillingError
from portal.billing.models import ACCESS_STATUSES, ComplimentaryGrant, Plan, Subscription
from portal.extensions import db
from portal.orgs import audit
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.refused import Refused
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

# Ended subscriptions come last; among the rest the newest wins.
_LIVE_FIRST = (Subscription.updated_at.desc(), Subscription.id.desc())


def _current(query: Select[tuple[Subscription]]) -> Subscription | None:
    rows = list(db.session.scalars(query.order_by(*_LIVE_FIRST)))
    live = [r for r in rows if r.status in ACCESS_STATUSES]
    return (live or rows or [None])[0]


def user_subscription(user: User) -> Subscription | None:
    """The user's individual subscription: a live one if there is one, else the latest."""
    return _current(select(Subscription).where(Subscription.user_id == user.id))


def org_subscription(org: Organization) -> Subscription | None:
    """The organisation's subscription: a live one if there is one, else the latest."""
    return _current(select(Subscription).where(Subscription.org_id == org.id))


def change_seats(org: Organization, seats: int, actor: User, ip: str | None = None) -> Subscription:
    """Set the organisation's paid seats in Stripe (prorated by Stripe) and mirror the result.

    Never below the seats in use; the seat limit follows the new quantity.
    """
    row = org_subscription(org)
    if row is None or not row.grants_access(utcnow()):
        raise BillingError(_("Organisasjonen har ikke et aktivt abonnement."))
    if seats < 1:
        raise BillingError(_("Antall plasser må være minst 1."))
    # Locks in the order webhook processing takes them (the customer, then the organisation),
    # so the two never deadlock. Under the organisation's seat lock an invitation or join that
    # is taking a seat right now is counted (or waits for the new limit).
    customers.by_stripe_id(row.stripe_customer_id, lock=True)
    db.session.refresh(row)
    orgs_service.lock_seats(org)
    used = orgs_service.seats_used(org)
    if seats < used:
        raise BillingError(
            _(
                "Antall plasser kan ikke være lavere enn %(used)s (medlemmer og invitasjoner).",
                used=used,
            )
        )
    if seats == row.quantity:
        return row
    current = gateway.retrieve_subscription(row.stripe_subscription_id)
    if current is None:
        raise BillingError(_("Fant ikke abonnementet hos Stripe."))
    stamp = int(row.updated_at.timestamp())
    key = f"seats:{row.stripe_subscription_id}:{row.quantity}->{seats}:{stamp}"
    updated = gateway.set_quantity(current, seats, key)
    before = row.quantity
    mirror.apply(updated)
    audit.record(
        org, actor, "billing.seats_changed", org.slug, {"seats": before}, {"seats": seats}, ip
    )
    return row


def cancel_user_subscription(user: User) -> None:
    """Account deletion hook: cancel the user's live individual subscription in Stripe now.

    If Stripe cannot be reached the deletion stops with a message (Refused), so no
    account disappears while its subscription keeps charging.
    """
    rows = db.session.scalars(select(Subscription).where(Subscription.user_id == user.id))
    for row in rows:
        try:
            _cancel(row)
        except (gateway.GatewayError, gateway.PaymentsOff) as exc:
            log.warning(
                "could not cancel %s before deleting the account: %s",
                row.stripe_subscription_id,
                exc,
            )
            raise Refused(
                _(
                    "Vi fikk ikke avsluttet abonnementet ditt hos Stripe akkurat "
                    "nå, så kontoen er ikke slettet. Prøv igjen om litt."
                )
            ) from exc


def cancel_org_subscription(org: Organization) -> None:
    """Organisation deletion hook: cancel the organisation's live subscription in Stripe now.

    If Stripe cannot be reached the deletion stops with a message (Refused)."""
    rows = db.session.scalars(select(Subscription).where(Subscription.org_id == org.id))
    for row in rows:
        try:
            _cancel(row)
        except (gateway.GatewayError, gateway.PaymentsOff) as exc:
            log.warning(
                "could not cancel %s before deleting %s: %s",
                row.stripe_subscription_id,
                org.slug,
                exc,
            )
            raise Refused(
                _(
                    "Vi fikk ikke avsluttet abonnementet hos Stripe akkurat nå, så "
                    "organisasjonen er ikke slettet. Prøv igjen om litt."
                )
            ) from exc


def _cancel(row: Subscription) -> None:
    if row.status in ("canceled", "incomplete_expired"):
        return
    data = gateway.cancel_subscription(row.stripe_subscription_id)
    if data is not None:
        mirror.apply(data)
    log.info("cancelled Stripe subscription %s", row.stripe_subscription_id)


def mirror_row(subscription_id: str) -> Subscription | None:
    return mirror.by_stripe_id(subscription_id)


def seats_used(org: Organization) -> int:
    return orgs_service.seats_used(org)


def export_user_data(user: User) -> dict[str, Any]:
    """The user's own billing records, for their data export (GDPR)."""
    subscriptions = db.session.scalars(select(Subscription).where(Subscription.user_id == user.id))
    return {
        "subscriptions": [
            {
                "stripe_subscription_id": s.stripe_subscription_id,
                "status": s.status,
                "plan": s.plan_id and db.session.get(Plan, s.plan_id).code,
                "current_period_end": s.current_period_end.isoformat()
                if s.current_period_end
                else None,
                "cancel_at_period_end": s.cancel_at_period_end,
            }
            for s in subscriptions
        ],
        "complimentary_grants": [
            {
                "reason": g.reason,
                "starts_at": g.starts_at.isoformat(),
                "ends_at": g.ends_at.isoformat() if g.ends_at else None,
                "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None,
            }
            for g in db.session.scalars(
                select(ComplimentaryGrant).where(ComplimentaryGrant.user_id == user.id)
            )
        ],
    }

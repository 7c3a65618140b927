"""Our mirror of Stripe subscriptions: apply Stripe's current state, and react to transitions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from portal.billing import customers, gateway, notify, plans
from portal.billing.models import ACCESS_STATUSES, Subscription
from portal.billing.seat_limits import sync_org_seat_limit
from portal.extensions import db
from portal.timeutil import utcnow

MIRRORED_FIELDS = (
    "status",
    "plan_id",
    "quantity",
    "current_period_end",
    "cancel_at_period_end",
    "trial_end",
)


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _first_item(data: dict[str, Any]) -> dict[str, Any]:
    items = (data.get("items") or {}).get("data") or []
    return items[0] if items else {}


def fields_from_stripe(data: dict[str, Any]) -> dict[str, Any]:
    """The mirrored fields from a Stripe subscription (old and new API shapes alike)."""
    item = _first_item(data)
    price = item.get("price") or item.get("plan") or {}
    plan = plans.by_price_id(price.get("id"))
    period_end = data.get("current_period_end") or item.get("current_period_end")
    return {
        "status": data["status"],
        "plan_id": plan.id if plan else None,
        "quantity": int(item.get("quantity") or data.get("quantity") or 1),
        "current_period_end": _ts(period_end),
        "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
        "trial_end": _ts(data.get("trial_end")),
    }


def by_stripe_id(subscription_id: str) -> Subscription | None:
    return db.session.scalar(
        select(Subscription).where(Subscription.stripe_subscription_id == subscription_id)
    )


def apply(data: dict[str, Any]) -> tuple[Subscription | None, list[str]]:
    """Make our row match Stripe's subscription; returns the row and the fields that changed.

    Subscriptions of customers we did not create are not ours and are ignored. Applying the
    same state twice changes nothing, so webhooks, retries and reconciliation may overlap.
    """
    customer = customers.by_stripe_id(customers.customer_id_of(data), lock=True)
    if customer is None:
        return None, []
    # The customer's row lock (taken above) serialises concurrent events of one customer.
    fields = fields_from_stripe(data)
    row = by_stripe_id(data["id"])
    before_status = None
    if row is None:
        row = Subscription(
            stripe_subscription_id=data["id"],
            stripe_customer_id=customer.stripe_customer_id,
            user_id=customer.user_id,
            org_id=customer.org_id,
            **fields,
        )
        db.session.add(row)
        changed = ["created"]
    else:
        before_status = row.status
        changed = [name for name in MIRRORED_FIELDS if getattr(row, name) != fields[name]]
        for name in changed:
            setattr(row, name, fields[name])
    if changed:
        row.updated_at = utcnow()
        db.session.flush()
        _on_transition(row, before_status)
    return row, changed


def _on_transition(row: Subscription, before_status: str | None) -> None:
    had_access = before_status in ACCESS_STATUSES
    if row.status in ACCESS_STATUSES and not had_access:
        notify.welcome(row)
    if row.status == "canceled" and before_status != "canceled":
        notify.cancelled(row)
    if row.org_id is not None:
        sync_org_seat_limit(row)


def sync(subscription_id: str, fallback: dict[str, Any] | None = None) -> Subscription | None:
    """Fetch the subscription from Stripe and apply it (the event's copy only if Stripe lost it).

    It is fetched again once the customer's row is locked, so of two workers racing on one
    subscription the one that writes last also read last.
    """
    data = gateway.retrieve_subscription(subscription_id) or fallback
    if data is None:
        return None
    if customers.by_stripe_id(customers.customer_id_of(data), lock=True) is None:
        return None
    data = gateway.retrieve_subscription(subscription_id) or data
    row, _ = apply(data)
    return row

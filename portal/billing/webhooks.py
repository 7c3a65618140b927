"""Stripe webhooks: store each verified event once, then process it in a worker via the outbox."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.billing import gateway, mirror, notify
from portal.billing.checkout import complete_checkout
from portal.billing.models import StripeEvent
from portal.extensions import db
from portal.orgs.scoping import system_scope
from portal.outbox import service as outbox
from portal.outbox.service import TransientError
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

HANDLER = "portal.billing.webhooks:process_event"
SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
}
# The length of StripeEvent.id and .type.
ID_MAX = 100
INVOICE_EVENTS = {"invoice.paid", "invoice.payment_failed", "invoice.payment_succeeded"}
HANDLED = (
    SUBSCRIPTION_EVENTS
    | INVOICE_EVENTS
    | {
        "checkout.session.completed",
        "customer.subscription.trial_will_end",
    }
)


class MalformedEvent(ValueError):
    """A correctly signed body that is not a Stripe event; the message says what is wrong."""


def check_shape(data: Any) -> dict[str, Any]:
    """Return the body as an event, or raise MalformedEvent naming what is wrong.

    A signed body is trusted to come from Stripe, not to have the shape we expect: a body
    of the wrong shape is refused (400) rather than crashing the request, which Stripe
    would retry for days.
    """
    if not isinstance(data, dict):
        raise MalformedEvent(f"body is {type(data).__name__}, not an object")
    if data.get("object") != "event":
        raise MalformedEvent("object is not 'event'")
    event_id, event_type = data.get("id"), data.get("type")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= ID_MAX:
        raise MalformedEvent("id is not a short string")
    if not isinstance(event_type, str) or len(event_type) > ID_MAX:
        raise MalformedEvent("type is not a short string")
    inner = data.get("data")
    if not isinstance(inner, dict) or not isinstance(inner.get("object"), dict):
        raise MalformedEvent("data.object is not an object")
    return data


def receive(event: dict[str, Any]) -> bool:
    """Store a verified event by its id and queue its processing; False if we had it already.

    Concurrent deliveries of one event race on the primary key; the loser sees a duplicate.
    """
    if db.session.get(StripeEvent, event["id"]) is not None:
        return False
    row = StripeEvent(id=event["id"], type=event.get("type", ""), payload=event)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    if event.get("type") in HANDLED:
        outbox.add(HANDLER, {"event_id": event["id"]}, key=f"stripe-event:{event['id']}")
    else:
        row.processed_at = utcnow()
        row.outcome = "ignored"
    db.session.flush()
    return True


def process_event(payload: dict[str, Any]) -> None:
    """Outbox handler: bring our mirror to Stripe's current state for the event's subscription.

    The subscription is fetched from Stripe rather than read from the event, so events
    delivered late or out of order still converge on Stripe's state.
    """
    with system_scope():
        event = db.session.scalar(
            select(StripeEvent).where(StripeEvent.id == payload["event_id"]).with_for_update()
        )
        if event is None or event.processed_at is not None:
            return
        try:
            event.outcome = _dispatch(event.type, event.payload["data"]["object"])
        except (gateway.GatewayError, gateway.PaymentsOff) as exc:
            # Stripe unreachable (or the key missing on this worker): retry with back-off.
            raise TransientError(str(exc)) from exc
        event.processed_at = utcnow()
        db.session.flush()


def _dispatch(event_type: str, obj: dict[str, Any]) -> str:
    if event_type == "checkout.session.completed":
        return complete_checkout(obj)
    if event_type in SUBSCRIPTION_EVENTS or event_type == "customer.subscription.trial_will_end":
        row = mirror.sync(obj["id"], fallback=obj)
        if row is not None and event_type == "customer.subscription.trial_will_end":
            notify.trial_ending(row)
        return "synced" if row is not None else "not ours"
    if event_type in INVOICE_EVENTS:
        subscription_id = _invoice_subscription(obj)
        if not subscription_id:
            return "no subscription"
        row = mirror.sync(subscription_id)
        # Only while Stripe still says the payment is owed: a failure event that arrives after
        # the retry succeeded (out of order, or late) must not ask for a new card.
        if (
            row is not None
            and event_type == "invoice.payment_failed"
            and row.status not in ("active", "trialing")
        ):
            notify.payment_failed(row, obj["id"])
        return "synced" if row is not None else "not ours"
    return "ignored"


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    sub = invoice.get("subscription")
    if sub is None:
        # Newer API versions nest it under parent.subscription_details.
        details = (invoice.get("parent") or {}).get("subscription_details") or {}
        sub = details.get("subscription")
    return sub.get("id") if isinstance(sub, dict) else sub

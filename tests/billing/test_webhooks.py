"""POST /billing/webhook: signatures, storage by event id, duplicates and order of delivery."""

from __future__ import annotations

import json
import time

import pytest
from flask import g

from portal.billing import customers, entitlements, plans
from portal.billing.models import StripeEvent, Subscription
from portal.extensions import db
from portal.outbox.models import OutboxItem
from tests.billing.helpers import make_event, post_event, sign
from tests.conftest import count_rows


def _subscribed(stripe_on, user, quantity=1):
    customer = customers.ensure_for(user)
    plan = plans.get_by_code("individual_monthly")
    return stripe_on.subscribe(customer.stripe_customer_id, plan.stripe_price_id, quantity)


def _fresh_access(user) -> bool:
    g.pop("_paid_access", None)
    return entitlements.can_read(user, "paid")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda body, header: (body, header.replace("v1=", "v1=0")), id="forged"),
        pytest.param(
            lambda body, header: (
                body.replace("customer.subscription", "customer.subscriptiox"),
                header,
            ),
            id="tampered",
        ),
        pytest.param(lambda body, header: (body, None), id="unsigned"),
        pytest.param(
            lambda body, header: (body, sign(json.loads(body), secret="whsec_other")[1]),
            id="wrong-secret",
        ),
        pytest.param(
            lambda body, header: (
                body,
                sign(json.loads(body), timestamp=int(time.time()) - 301)[1],
            ),
            id="stale",
        ),
    ],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(app, client, stripe_on, mangle):
    event = make_event("customer.subscription.updated", {"id": "sub_x", "object": "subscription"})
    body, header = sign(event)
    body, header = mangle(body, header)
    headers = {"Content-Type": "application/json"}
    if header:
        headers["Stripe-Signature"] = header
    response = client.post("/billing/webhook", data=body, headers=headers)
    assert response.status_code == 400
    assert count_rows("billing_stripe_events") == 0
    assert count_rows("outbox_items") == 0


def test_webhook_needs_no_csrf_token_but_a_secret(app, client, stripe_on):
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    response = post_event(client, make_event("invoice.paid", {"id": "in_1"}))
    assert response.status_code == 400


def test_unknown_event_types_are_acknowledged_and_ignored(app, client, stripe_on):
    event = make_event("charge.dispute.created", {"id": "dp_1"})
    response = post_event(client, event)
    assert response.status_code == 200
    stored = db.session.get(StripeEvent, event["id"])
    assert stored.outcome == "ignored"
    assert count_rows("outbox_items") == 0


def test_event_is_stored_then_processed_through_the_outbox(app, client, create_user, stripe_on):
    user = create_user()
    sub = _subscribed(stripe_on, user)
    event = make_event("customer.subscription.created", sub)
    assert post_event(client, event).status_code == 200
    item = db.session.scalar(db.select(OutboxItem).where(OutboxItem.handler.like("%process_event")))
    assert item.idempotency_key == f"stripe-event:{event['id']}"
    assert item.status == "done"
    row = db.session.scalar(db.select(Subscription))
    assert (row.user_id, row.status, row.quantity) == (user.id, "active", 1)
    assert row.plan_id == plans.get_by_code("individual_monthly").id
    assert row.current_period_end is not None
    assert _fresh_access(user)


def test_sequential_duplicates_are_processed_once(app, client, create_user, stripe_on):
    user = create_user()
    sub = _subscribed(stripe_on, user)
    event = make_event("customer.subscription.created", sub)
    responses = [post_event(client, event) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert count_rows("billing_stripe_events") == 1
    assert count_rows("billing_subscriptions") == 1
    items = db.session.scalars(
        db.select(OutboxItem).where(OutboxItem.handler.like("%process_event"))
    ).all()
    assert len(items) == 1 and items[0].attempts == 1
    # One welcome mail, however often the event came.
    mails = db.session.scalars(
        db.select(OutboxItem).where(OutboxItem.idempotency_key.like("mail:billing-welcome:%"))
    ).all()
    assert len(mails) == 1


def test_out_of_order_events_converge_on_stripes_state(app, client, create_user, stripe_on):
    user = create_user()
    sub = _subscribed(stripe_on, user)
    created = make_event("customer.subscription.created", sub)
    cancelled_copy = stripe_on.cancel(sub["id"])
    deleted = make_event("customer.subscription.deleted", cancelled_copy)
    # The deletion arrives first, the (stale) creation afterwards.
    assert post_event(client, deleted).status_code == 200
    assert post_event(client, created).status_code == 200
    row = db.session.scalar(db.select(Subscription))
    assert row.status == "canceled"
    assert not _fresh_access(user)


def test_stale_event_payload_does_not_win_over_stripe(app, client, create_user, stripe_on):
    user = create_user()
    sub = _subscribed(stripe_on, user)
    stripe_on.set_status(sub["id"], "unpaid")
    # An old event still says active; we ask Stripe and believe it.
    post_event(client, make_event("customer.subscription.updated", sub))
    assert db.session.scalar(db.select(Subscription)).status == "unpaid"
    assert not _fresh_access(user)


def test_subscriptions_of_strangers_are_ignored(app, client, stripe_on):
    foreign = stripe_on.client.v1.customers.create({"email": "x@example.org"})
    plan = plans.get_by_code("individual_monthly")
    sub = stripe_on.subscribe(foreign.id, plan.stripe_price_id)
    event = make_event("customer.subscription.created", sub)
    assert post_event(client, event).status_code == 200
    assert count_rows("billing_subscriptions") == 0
    assert db.session.get(StripeEvent, event["id"]).outcome == "not ours"


def test_signed_payload_that_is_not_an_event_is_refused(app, client, stripe_on):
    body, header = sign({"id": "sub_1", "object": "subscription"})
    response = client.post(
        "/billing/webhook",
        data=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert count_rows("billing_stripe_events") == 0

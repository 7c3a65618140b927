"""POST /billing/webhook: signatures, storage by event id, duplicates and order of delivery."""

from __future__ import annotations

import json
import logging
import time

import pytest
from flask import g

from portal.billing import customers, entitlements, plans
from portal.billing.models import StripeEvent, Subscription
from portal.extensions import db
from portal.outbox.models import OutboxItem
from tests.billing.helpers import (
    WEBHOOK_SECRET,
    make_event,
    post_body,
    post_event,
    sign,
    sign_body,
)
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


@pytest.mark.parametrize(
    ("age", "status"),
    [
        pytest.param(299, 200, id="299s-old"),
        pytest.param(301, 400, id="301s-old"),
        pytest.param(-299, 200, id="299s-ahead"),
        pytest.param(-301, 400, id="301s-ahead"),
        pytest.param(-3600, 400, id="an-hour-ahead"),
    ],
)
def test_signature_timestamps_count_within_the_tolerance_both_ways(
    app, client, stripe_on, age, status
):
    event = make_event("charge.dispute.created", {"id": "dp_1"})
    response = post_event(client, event, timestamp=int(time.time()) - age)
    assert response.status_code == status
    assert count_rows("billing_stripe_events") == (1 if status == 200 else 0)


def test_two_signatures_from_a_secret_rotation_are_accepted_if_one_matches(app, client, stripe_on):
    body = json.dumps(make_event("charge.dispute.created", {"id": "dp_1"}))
    header = sign_body(body, ["whsec_retired_secret", WEBHOOK_SECRET])
    assert header.count("v1=") == 2
    assert post_body(client, body, header).status_code == 200
    header = sign_body(body, ["whsec_retired_secret", "whsec_other_secret"])
    assert post_body(client, body, header).status_code == 400


def test_a_pretty_printed_body_is_verified_byte_for_byte(app, client, stripe_on):
    body = json.dumps(make_event("charge.dispute.created", {"id": "dp_1"}), indent=2)
    header = sign_body(body, [WEBHOOK_SECRET])
    assert post_body(client, body, header).status_code == 200
    reformatted = json.dumps(json.loads(body))
    assert post_body(client, reformatted, header).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([], id="list"),
        pytest.param("evt_1", id="string"),
        pytest.param(None, id="null"),
        pytest.param(7, id="number"),
        pytest.param({**make_event("invoice.paid", {"id": "in_1"}), "id": ["evt_1"]}, id="id-list"),
        pytest.param({**make_event("invoice.paid", {"id": "in_1"}), "id": ""}, id="id-empty"),
        pytest.param(
            {**make_event("invoice.paid", {"id": "in_1"}), "type": {"a": 1}}, id="type-object"
        ),
        pytest.param({**make_event("invoice.paid", {"id": "in_1"}), "data": []}, id="data-list"),
        pytest.param(
            {**make_event("invoice.paid", {"id": "in_1"}), "data": {"object": "in_1"}},
            id="object-string",
        ),
    ],
)
def test_signed_body_of_the_wrong_shape_is_a_logged_400(app, client, stripe_on, caplog, body):
    text = json.dumps(body)
    with caplog.at_level(logging.WARNING, logger="portal.billing.routes"):
        response = post_body(client, text, sign_body(text, [WEBHOOK_SECRET]))
    assert response.status_code == 400
    assert "malformed" in caplog.text
    assert count_rows("billing_stripe_events") == 0
    assert count_rows("outbox_items") == 0


def test_signed_body_that_is_not_json_is_a_400(app, client, stripe_on):
    text = "{not json"
    assert post_body(client, text, sign_body(text, [WEBHOOK_SECRET])).status_code == 400

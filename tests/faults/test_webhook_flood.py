"""A flood of signed Stripe webhooks, each delivered three times, shuffled and concurrent."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.billing import customers, mirror, plans
from portal.billing.models import StripeEvent, Subscription
from portal.extensions import db
from portal.outbox.models import DONE, OutboxItem
from tests.billing.helpers import StripeSide, make_event, sign
from tests.support.services import LiveServer
from tests.support.traffic import request

pytestmark = pytest.mark.slow

COPIES = 3


def test_each_event_is_applied_once_and_the_mirror_equals_stripe(
    committed_app: Flask, live_server: LiveServer, stripe_committed: StripeSide, create_user
) -> None:
    plan = plans.get_by_code("individual_monthly")
    users = [create_user() for _ in range(6)]
    db.session.commit()
    events = []
    subscription_ids = []
    for n, user in enumerate(users):
        customer = customers.ensure_for(user)
        db.session.commit()
        sub = stripe_committed.subscribe(customer.stripe_customer_id, plan.stripe_price_id)
        subscription_ids.append(sub["id"])
        # Events carry the state of their moment; later ones may be delivered first.
        events.append(make_event("customer.subscription.created", sub))
        invoice = {"id": f"in_flood_{n}", "object": "invoice", "subscription": sub["id"]}
        events.append(make_event("invoice.paid", invoice))
        if n % 2 == 0:
            updated = stripe_committed.cancel_at_period_end(sub["id"])
            events.append(make_event("customer.subscription.updated", updated))
        if n % 3 == 0:
            cancelled = stripe_committed.cancel(sub["id"])
            events.append(make_event("customer.subscription.deleted", cancelled))
    deliveries = [event for event in events for _ in range(COPIES)]
    random.Random(13).shuffle(deliveries)

    def deliver(event: dict) -> int:
        body, header = sign(event)
        headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
        return request(live_server.url, "/billing/webhook", "POST", body.encode(), headers).status

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(deliver, deliveries))
    assert statuses == [200] * len(deliveries)

    db.session.remove()
    stored = db.session.scalars(select(StripeEvent)).all()
    assert sorted(e.id for e in stored) == sorted(e["id"] for e in events)
    assert all(e.processed_at is not None for e in stored)
    items = db.session.scalars(
        select(OutboxItem).where(OutboxItem.handler.like("%process_event"))
    ).all()
    assert len(items) == len(events)
    assert {(i.status, i.attempts) for i in items} == {(DONE, 1)}
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == len(users)
    for subscription_id in subscription_ids:
        stripe_state = mirror.fields_from_stripe(stripe_committed.subscription(subscription_id))
        row = mirror.by_stripe_id(subscription_id)
        ours = {field: getattr(row, field) for field in stripe_state}
        assert ours == stripe_state, json.dumps([subscription_id, str(ours), str(stripe_state)])

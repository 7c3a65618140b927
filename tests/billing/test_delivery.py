"""Webhooks against real processes: concurrent duplicates on a live server, and a Redis outage
with a real Celery worker."""

from __future__ import annotations

import threading
import time
import urllib.request
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from portal.accounts import service as accounts_service
from portal.billing import customers, plans
from portal.billing.models import StripeEvent, Subscription
from portal.extensions import db
from portal.outbox import service as outbox
from portal.outbox.models import DONE, PENDING, OutboxItem
from tests.billing.conftest import stripe_settings
from tests.billing.helpers import make_event, sign
from tests.support.services import RedisServer, wait_for


def _paying_user(side, email: str) -> tuple[int, dict]:
    user = accounts_service.create_user(email, "Betalende Bruker", "x" * 12, verified=True)
    customer = customers.ensure_for(user)
    plan = plans.get_by_code("individual_monthly")
    db.session.commit()
    return user.id, side.subscribe(customer.stripe_customer_id, plan.stripe_price_id)


def _count(model: type, *where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_ten_concurrent_deliveries_are_processed_once(
    committed_app: Flask, stripe_committed, live_server
) -> None:
    user_id, sub = _paying_user(stripe_committed, "samtidig@example.org")
    event = make_event("customer.subscription.created", sub)
    body, header = sign(event)
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def deliver() -> None:
        request = urllib.request.Request(
            f"{live_server.url}/billing/webhook",
            data=body.encode(),
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback
            statuses.append(response.status)

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 10
    db.session.remove()
    # Ten threads filled the pool; give the idle connections back to PostgreSQL.
    db.engine.dispose()
    assert _count(StripeEvent) == 1
    items = db.session.scalars(
        select(OutboxItem).where(OutboxItem.idempotency_key == f"stripe-event:{event['id']}")
    ).all()
    assert len(items) == 1
    assert items[0].status == DONE and items[0].attempts == 1
    assert _count(Subscription, Subscription.user_id == user_id) == 1
    assert _count(OutboxItem, OutboxItem.idempotency_key.like("mail:billing-welcome:%")) == 1


def test_webhooks_while_redis_is_down_are_processed_once_when_it_returns(
    committed_app: Flask,
    stripe_committed,
    make_app,
    redis_server: RedisServer,
    celery_worker_factory,
) -> None:
    user_id, sub = _paying_user(stripe_committed, "utenredis@example.org")
    app = make_app(REDIS_URL=redis_server.url, **stripe_settings(stripe_committed))
    redis_server.stop()
    created = make_event("customer.subscription.created", sub)
    updated = make_event("customer.subscription.updated", sub)
    client = app.test_client()
    started = time.monotonic()
    for event in (created, updated, created, updated):
        body, header = sign(event)
        response = client.post(
            "/billing/webhook",
            data=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        assert response.status_code == 200
    assert time.monotonic() - started < 8
    with app.app_context():
        assert _count(StripeEvent, StripeEvent.processed_at.is_(None)) == 2
        assert _count(OutboxItem, OutboxItem.status == PENDING) == 2
        assert _count(Subscription) == 0

    redis_server.start()
    celery_worker_factory(redis_server.url, **stripe_settings_env(stripe_committed))
    with app.app_context():
        assert outbox.redispatch_pending(older_than=timedelta(0)) == 2

    def all_processed() -> bool:
        with app.app_context():
            return _count(StripeEvent, StripeEvent.processed_at.is_(None)) == 0

    wait_for(all_processed, timeout=45)

    def outbox_drained() -> bool:
        # The processing queued a welcome mail, which the worker sends too.
        with app.app_context():
            return _count(OutboxItem, OutboxItem.status != DONE) == 0

    wait_for(outbox_drained, timeout=45)
    with app.app_context():
        assert _count(Subscription, Subscription.user_id == user_id) == 1
        assert db.session.scalar(select(Subscription.status)) == "active"
        attempts = db.session.scalars(
            select(OutboxItem.attempts).where(OutboxItem.idempotency_key.like("stripe-event:%"))
        ).all()
        assert attempts == [1, 1]
        assert outbox.redispatch_pending(older_than=timedelta(0)) == 0


def stripe_settings_env(side) -> dict[str, str]:
    settings = stripe_settings(side)
    return {
        "STRIPE_SECRET_KEY": settings["STRIPE_SECRET_KEY"],
        "STRIPE_WEBHOOK_SECRET": settings["STRIPE_WEBHOOK_SECRET"],
        "STRIPE_API_BASE": settings["STRIPE_API_BASE"],
    }


def test_webhooks_sent_by_localstripe_itself_update_the_mirror(
    committed_app: Flask, stripe_committed, live_server
) -> None:
    stripe_committed.register_webhook(f"{live_server.url}/billing/webhook")
    user_id, sub = _paying_user(stripe_committed, "levert@example.org")

    def mirrored() -> bool:
        db.session.remove()
        return _count(Subscription, Subscription.user_id == user_id) == 1

    wait_for(mirrored, timeout=20)
    assert db.session.scalar(select(Subscription.status)) == "active"
    assert _count(StripeEvent, StripeEvent.type == "customer.subscription.created") == 1

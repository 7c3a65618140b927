"""The outbox with a real Celery worker and a Redis that goes away."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.mail import service as mail
from portal.outbox import service as outbox
from portal.outbox.models import DONE, PENDING, OutboxItem
from tests.support.services import RedisServer, SmtpSink, wait_for


def item_status(app: Flask, key: str) -> str:
    with app.app_context():
        return db.session.scalar(
            select(OutboxItem.status).where(OutboxItem.idempotency_key == f"mail:{key}")
        )


def test_redis_down_at_commit_then_sent_once_when_it_is_back(
    committed_app: Flask,
    make_app,
    redis_server: RedisServer,
    smtp_sink: SmtpSink,
    celery_worker_factory,
) -> None:
    app = make_app(REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url)
    redis_server.stop()
    with app.app_context():
        started = time.monotonic()
        mail.queue("ola@example.org", "test_notice", "nb", "redis-down", headline="Hei Ola")
        db.session.commit()
        # The commit does not wait for the broker: at most the connect timeout.
        assert time.monotonic() - started < 2.5
    assert item_status(app, "redis-down") == PENDING

    redis_server.start()
    celery_worker_factory(redis_server.url, smtp_sink.url)
    with app.app_context():
        assert outbox.redispatch_pending(older_than=timedelta(0)) == 1
    smtp_sink.wait_for_mail("ola@example.org", timeout=30)
    wait_for(lambda: item_status(app, "redis-down") == DONE, timeout=15)
    # The beat sweep after delivery finds nothing left to hand over.
    with app.app_context():
        assert outbox.redispatch_pending(older_than=timedelta(0)) == 0
    time.sleep(0.5)
    assert len(smtp_sink.to("ola@example.org")) == 1


def test_the_same_item_dispatched_many_times_is_delivered_once(
    committed_app: Flask,
    make_app,
    redis_server: RedisServer,
    smtp_sink: SmtpSink,
    celery_worker_factory,
) -> None:
    app = make_app(REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url)
    with app.app_context():
        # Recorded without an after-commit hand-over, as if the web process died right then.
        item = OutboxItem(
            handler=mail.HANDLER,
            idempotency_key="mail:dupe",
            payload={
                "to": "kari@example.org",
                "subject": "Hei",
                "text": "Hei Kari\n",
                "html": "<p>Hei Kari</p>",
                "message_id": "<dupe@veivalg.test>",
                "locale": "nb",
            },
        )
        db.session.add(item)
        db.session.commit()
        item_id = item.id
        # Two workers' worth of threads, five copies of the same task.
        assert outbox.dispatch([item_id] * 5) == 5
    celery_worker_factory(redis_server.url, smtp_sink.url)
    smtp_sink.wait_for_mail("kari@example.org", timeout=30)
    wait_for(lambda: item_status(app, "dupe") == DONE, timeout=15)
    time.sleep(1.0)
    assert len(smtp_sink.to("kari@example.org")) == 1
    with app.app_context():
        assert db.session.get(OutboxItem, item_id).attempts == 1

"""Redis stopped under traffic (sign-ups and an export meanwhile), and the Celery worker
SIGKILLed in the middle of a mail."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.exports.models import DONE as JOB_DONE
from portal.exports.models import QUEUED
from portal.extensions import db
from portal.mail import service as mail
from portal.outbox import service as outbox
from portal.outbox.models import DONE, PENDING, RUNNING, OutboxItem
from portal.timeutil import utcnow
from tests.faults.conftest import READER_PAGES, Stack, acme_owner, request_pdf
from tests.support.exportjobs import job_row
from tests.support.services import wait_for
from tests.support.traffic import Browser, burst, request

pytestmark = pytest.mark.slow

OWNER = "owner@acme.example.com"


def mail_items(stack: Stack, *addresses: str) -> list[OutboxItem]:
    """The outbox's mail to these addresses (the demo data queues mail of its own)."""
    with stack.app.app_context():
        items = db.session.scalars(
            select(OutboxItem)
            .where(OutboxItem.idempotency_key.like("mail:%"))
            .order_by(OutboxItem.id)
        ).all()
        db.session.expunge_all()
        return [i for i in items if (i.payload or {}).get("to") in addresses]


def export_item(stack: Stack, job_id: int) -> OutboxItem:
    with stack.app.app_context():
        item = db.session.scalars(
            select(OutboxItem).where(OutboxItem.idempotency_key == f"export:{job_id}")
        ).one()
        db.session.expunge(item)
        return item


def message_ids(stack: Stack) -> Counter[str]:
    with stack.sink.lock:
        return Counter(str(m["Message-ID"]) for m in stack.sink.messages)


def readiness(stack: Stack) -> tuple[int, dict[str, str]]:
    answer = request(stack.web.url, "/readyz")
    return answer.status, json.loads(answer.body or "{}")


def release_after_the_lease(stack: Stack) -> int:
    """Beat's sweep, run as if the claim lease had passed (the killed worker's item is
    released, made pending and handed over again)."""
    with stack.app.app_context():
        later = utcnow() + outbox.CLAIM_LEASE + timedelta(minutes=1)
        return outbox.redispatch_pending(older_than=timedelta(0), now=later)


def test_redis_stopped_during_traffic(stack: Stack) -> None:
    stack.start_worker()
    warm = burst(stack.web.url, READER_PAGES, seconds=1.5, threads=2)
    assert warm and all(a.status == 200 for a in warm), {(a.path, a.status) for a in warm}

    stack.redis.stop()
    status, checks = readiness(stack)
    assert status == 503 and checks["redis"] == "down" and checks["database"] == "ok"

    addresses = [f"uten-redis-{n}@example.org" for n in range(3)]
    signed_up: list[int] = []
    owner = acme_owner(stack)
    exports: list[int] = []

    def sign_up_meanwhile() -> None:
        # An export asked for without the broker: the request succeeds, the job waits.
        exports.append(request_pdf(stack, owner))
        for address in addresses:
            reader = Browser(stack.web.url)
            answer = reader.post_form(
                "/signup",
                {"name": "Uten Redis", "email": address, "password": "en lang og god passfrase"},
            )
            signed_up.append(answer.status)

    answers = burst(stack.web.url, READER_PAGES, seconds=4, threads=2, during=sign_up_meanwhile)
    assert answers and all(a.status == 200 for a in answers), Counter(
        (a.path, a.status, a.error) for a in answers if a.status != 200
    )
    # "Check your mail": the sign-ups went through without the broker.
    assert signed_up == [200] * len(addresses)
    # Recorded, not sent: the broker was away at commit.
    assert [i.status for i in mail_items(stack, *addresses)] == [PENDING] * len(addresses)
    [job_id] = exports
    assert job_row(stack.app, job_id).status == QUEUED
    assert export_item(stack, job_id).status == PENDING
    page = owner.get(f"/orgs/acme/exports/{job_id}")
    assert page.status == 200 and "I kø" in page.body
    assert not stack.sink.messages

    stack.redis.start()
    wait_for(lambda: readiness(stack)[0] == 200, timeout=20)
    # Redis kept nothing (no persistence): beat's sweep hands the pending mail and the export
    # over again.
    assert release_after_the_lease(stack) == len(addresses) + 1
    for address in [*addresses, OWNER]:
        stack.sink.wait_for_mail(address, timeout=90)
    wait_for(lambda: all(i.status == DONE for i in mail_items(stack, *addresses)), timeout=30)
    wait_for(lambda: job_row(stack.app, job_id).status == JOB_DONE, timeout=30)
    time.sleep(1.0)
    assert all(len(stack.sink.to(a)) == 1 for a in [*addresses, OWNER])
    assert export_item(stack, job_id).status == DONE
    assert job_row(stack.app, job_id).attempts == 1
    assert owner.get(f"/orgs/acme/exports/{job_id}/download").body.startswith("%PDF")
    assert all(n == 1 for n in message_ids(stack).values()), message_ids(stack)
    # A second sweep finds nothing owed.
    assert release_after_the_lease(stack) == 0


def queue_one(stack: Stack, address: str) -> None:
    with stack.app.app_context():
        mail.queue(address, "test_notice", "nb", f"fault:{address}", headline="Hei")
        db.session.commit()


def test_worker_killed_before_the_smtp_server_accepts_sends_once_after_restart(
    stack: Stack,
) -> None:
    worker = stack.start_worker()
    killed = threading.Event()

    def kill_the_sender() -> str | None:
        if killed.is_set():
            return None
        killed.set()
        worker.kill()
        return "451 4.3.0 the sender went away"

    stack.sink.before_accept = kill_the_sender
    address = "drept-foer@example.org"
    queue_one(stack, address)
    wait_for(killed.is_set, timeout=60)
    [item] = mail_items(stack, address)
    # Claimed in its own committed step before sending; no outcome recorded.
    assert (item.status, item.attempts) == (RUNNING, 1)
    assert not stack.sink.to(address)

    stack.start_worker()
    assert release_after_the_lease(stack) == 1
    stack.sink.wait_for_mail(address, timeout=60)
    wait_for(lambda: mail_items(stack, address)[0].status == DONE, timeout=30)
    time.sleep(1.0)
    assert len(stack.sink.to(address)) == 1
    assert mail_items(stack, address)[0].attempts == 2


def test_worker_killed_after_the_smtp_server_accepted_resends_with_the_same_message_id(
    stack: Stack,
) -> None:
    """The one window left (docs/reliability.md): the mail left, the worker died before the
    mark. The sweep sends it again, with the same Message-ID so mail clients fold the copies."""
    worker = stack.start_worker()
    killed = threading.Event()

    def kill_the_sender() -> None:
        if not killed.is_set():
            killed.set()
            worker.kill()

    stack.sink.on_accept = kill_the_sender
    address = "drept-etter@example.org"
    queue_one(stack, address)
    wait_for(killed.is_set, timeout=60)
    stack.sink.on_accept = None

    stack.start_worker()
    assert release_after_the_lease(stack) == 1
    copies = stack.sink.wait_for_mail(address, count=2, timeout=60)
    wait_for(lambda: mail_items(stack, address)[0].status == DONE, timeout=30)
    time.sleep(1.0)
    assert len(stack.sink.to(address)) == 2
    assert len({str(m["Message-ID"]) for m in copies}) == 1

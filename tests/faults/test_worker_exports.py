"""The Celery worker SIGKILLed in the middle of an export: after a restart and beat's sweep
the job completes once, its file is whole, and the requester gets one mail."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from portal.exports import service
from portal.exports.models import DONE, RUNNING
from portal.extensions import db
from portal.outbox import service as outbox
from portal.outbox.models import DONE as ITEM_DONE
from portal.outbox.models import OutboxItem
from tests.faults.conftest import Stack, acme_owner, request_pdf
from tests.support.exportjobs import job_row, kill_mid_export, wait_until_stalled
from tests.support.services import wait_for

pytestmark = pytest.mark.slow

OWNER = "owner@acme.example.com"


def export_mails(stack: Stack) -> list[str]:
    return [str(m["Subject"]) for m in stack.sink.to(OWNER) if "Eksporten" in str(m["Subject"])]


def test_worker_killed_mid_export_completes_once_after_restart_with_one_mail(
    stack: Stack,
) -> None:
    owner = acme_owner(stack)
    # Requested through the form while no worker runs: the outbox entry waits in Redis.
    job_id = request_pdf(stack, owner)
    with stack.app.app_context():
        item_id = db.session.scalar(
            select(OutboxItem.id).where(OutboxItem.idempotency_key == f"export:{job_id}")
        )

    # The outbox's step: the render task is published to Redis and the entry marked done.
    with stack.app.app_context():
        assert outbox.run(item_id) == ITEM_DONE
    kill_mid_export(stack.app, stack.start_worker, job_id, stack.database.owner_dsn, publish=False)
    job = job_row(stack.app, job_id)
    assert (job.status, job.attempts, job.progress) == (RUNNING, 1, 90)
    assert not export_mails(stack)
    # The page says it is still being made (never a 500, never a half file to download).
    page = owner.get(f"/orgs/acme/exports/{job_id}")
    assert page.status == 200 and "Last ned" not in page.body
    assert owner.get(f"/orgs/acme/exports/{job_id}/download").status == 302
    with stack.app.app_context():
        assert service.resume_stalled() == 0  # too early: the lost worker might still be busy

    stack.start_worker()
    wait_until_stalled(stack.app, job_id)
    with stack.app.app_context():
        assert service.resume_stalled() == 1  # beat's sweep hands it over again
    wait_for(lambda: job_row(stack.app, job_id).status == DONE, timeout=90)
    stack.sink.wait_for_mail(OWNER, timeout=60)
    job = job_row(stack.app, job_id)
    assert (job.attempts, job.progress) == (2, 100)
    download = owner.get(f"/orgs/acme/exports/{job_id}/download")
    assert download.status == 200 and download.body.startswith("%PDF")
    assert int(download.headers["content-length"]) == job.file_size
    with stack.app.app_context():
        assert service.resume_stalled() == 0
        service.send(job_id)  # a late duplicate delivery changes nothing
    time.sleep(2)
    assert export_mails(stack) == [f"Eksporten «{job.title}» er klar"]
    assert job_row(stack.app, job_id).attempts == 2

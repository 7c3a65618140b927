"""Export jobs under fault: read a job's row from outside a request, stop a real Celery worker
at the worst moment of an export (file written, not yet marked done) and wait until beat's
sweep may take the job up again. Shared by tests/exports and tests/faults."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
from flask import Flask
from sqlalchemy import select

from portal.exports import service
from portal.exports.models import ExportJob
from portal.extensions import db
from portal.orgs import scoping
from portal.timeutil import utcnow
from tests.support.services import CeleryWorker, wait_for


def job_row(app: Flask, job_id: int) -> ExportJob:
    """The job as the database has it now (detached, so it can be read after the context)."""
    with app.app_context(), scoping.system_scope():
        job = db.session.get_one(ExportJob, job_id)
        db.session.expunge(job)
        return job


def only_job_id(app: Flask) -> int:
    with app.app_context(), scoping.system_scope():
        return db.session.scalars(select(ExportJob.id)).one()


@contextmanager
def outbox_held(owner_dsn: str) -> Iterator[None]:
    """Hold the outbox table: a worker that has written an export's file then waits to queue
    the requester's mail, in the same transaction that marks the job done."""
    with psycopg.connect(owner_dsn) as lock:
        lock.execute("LOCK TABLE outbox_items IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            lock.rollback()


def kill_mid_export(
    app: Flask, start_worker: Callable[[], CeleryWorker], job_id: int, owner_dsn: str,
    publish: bool = True,
) -> None:  # fmt: skip
    """Start a worker, let it take the job, and SIGKILL it once the file is on disk and the job
    is at 90 % but not done: no warm shutdown, no ack, no clean-up, as the OOM killer or a lost
    host would. `publish=False`: the render task is in the broker already (the outbox's step
    ran before; it cannot run here, the outbox table is held)."""
    path = service.job_file(job_row(app, job_id))
    with outbox_held(owner_dsn):
        worker = start_worker()
        if publish:
            with app.app_context():
                service.send(job_id)
        wait_for(path.is_file, timeout=90)
        wait_for(lambda: job_row(app, job_id).progress == 90, timeout=15)
        worker.kill()


def wait_until_stalled(app: Flask, job_id: int, timeout: float = 60) -> None:
    """Until the job's heartbeat is older than beat's stall limit (the time limit + 10 s) in
    `app`'s settings: before that the sweep must leave it, its worker might still be busy."""
    limit = timedelta(seconds=app.config["EXPORT_TIME_LIMIT"] + 11)
    beat = job_row(app, job_id).heartbeat_at
    assert beat is not None
    wait_for(lambda: utcnow() - beat > limit, timeout=timeout, interval=0.5)

"""Exports with a real Celery worker on Redis: end to end, a worker killed mid-job, Redis away."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts import service as accounts_service
from portal.exports import service, storage
from portal.exports.models import DONE, QUEUED, RUNNING, ExportJob
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.outbox import service as outbox
from portal.outbox.models import PENDING, OutboxItem
from portal.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.support.database import ThrowawayDatabase
from tests.support.exportjobs import job_row, kill_mid_export, only_job_id, wait_until_stalled
from tests.support.services import CeleryWorker, RedisServer, SmtpSink, body_text, wait_for

# Short, so a lost worker's job is taken up again within seconds (stall_after: limit + 10 s).
TIME_LIMIT = 2


@pytest.fixture
def worker_app(
    committed_app: Flask, make_app, redis_server: RedisServer, smtp_sink: SmtpSink
) -> Iterator[Flask]:
    app = make_app(
        REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url, BASE_URL="http://veivalg.test",
        EXPORT_TIME_LIMIT=TIME_LIMIT,
    )  # fmt: skip
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def start_worker(
    worker_app: Flask, celery_worker_factory, redis_server: RedisServer, smtp_sink: SmtpSink
) -> Callable[[], CeleryWorker]:
    def start() -> CeleryWorker:
        return celery_worker_factory(
            redis_server.url, smtp_sink.url, BASE_URL="http://veivalg.test",
            EXPORT_DIR=worker_app.config["EXPORT_DIR"], EXPORT_TIME_LIMIT=str(TIME_LIMIT),
        )  # fmt: skip

    return start


def make_owner(app: Flask) -> tuple[int, int, str]:
    with app.app_context():
        owner = accounts_service.create_user(
            "eier@example.org", "Eva Eier", PASSWORD, verified=True
        )
        org = orgs_service.create_organization(owner, "Ærlig AS", "aerlig", "f@example.org")
        db.session.commit()
        return org.id, owner.id, owner.get_id()


def owner_client(app: Flask, user_id: str) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    return client


def request_data_export(client: FlaskClient) -> Any:
    page = client.get("/orgs/aerlig/exports/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/orgs/aerlig/exports/organisation", data={"csrf_token": token})


def test_a_worker_on_redis_runs_an_export_end_to_end(
    worker_app: Flask, start_worker, smtp_sink: SmtpSink
) -> None:
    start_worker()
    _, _, owner_id = make_owner(worker_app)
    client = owner_client(worker_app, owner_id)
    response = request_data_export(client)
    assert response.status_code == 303
    job_id = only_job_id(worker_app)
    message = smtp_sink.wait_for_mail("eier@example.org", timeout=60)[0]
    assert message["Subject"] == "Eksporten «Alle data for Ærlig AS» er klar"
    assert f"http://veivalg.test/orgs/aerlig/exports/{job_id}" in body_text(message)
    job = job_row(worker_app, job_id)
    assert (job.status, job.progress, job.attempts) == (DONE, 100, 1)
    state = client.get(f"/orgs/aerlig/exports/{job_id}/status").get_json()
    download = client.get(state["download_url"])
    assert download.data[:2] == b"PK" and len(download.data) == job.file_size
    download.close()
    time.sleep(1)
    assert len(smtp_sink.to("eier@example.org")) == 1


def test_a_worker_killed_mid_job_is_replaced_and_the_job_completes_once_with_one_mail(
    worker_app: Flask, start_worker, smtp_sink: SmtpSink, database: ThrowawayDatabase
) -> None:
    org_id, user_id, _ = make_owner(worker_app)
    with worker_app.app_context():
        org = orgs_service.get_by_id(org_id)
        with scoping.org_scope(org):
            job = ExportJob(org_id=org_id, title="Alle data", format="zip",
                            requested_by_id=user_id, expires_at=utcnow())  # fmt: skip
            db.session.add(job)
            db.session.flush()
            job_id = job.id
        db.session.commit()
    path = storage.file_path(job_id, "zip")
    # The job renders, writes its file, then waits to queue its mail: the worker dies there.
    kill_mid_export(worker_app, start_worker, job_id, database.owner_dsn)
    job = job_row(worker_app, job_id)
    assert (job.status, job.attempts) == (RUNNING, 1)
    with worker_app.app_context():
        assert service.resume_stalled() == 0  # too early: the lost worker might still be busy

    start_worker()
    # The beat sweep finds the job silent past its time limit and hands it over again.
    wait_until_stalled(worker_app, job_id)
    with worker_app.app_context():
        assert service.resume_stalled() == 1
    smtp_sink.wait_for_mail("eier@example.org", timeout=60)
    wait_for(lambda: job_row(worker_app, job_id).status == DONE, timeout=30)
    job = job_row(worker_app, job_id)
    assert (job.attempts, job.progress, job.file_size) == (2, 100, path.stat().st_size)
    with worker_app.app_context():
        assert service.resume_stalled() == 0
        service.send(job_id)  # a late duplicate delivery changes nothing
    time.sleep(2)
    assert len(smtp_sink.to("eier@example.org")) == 1
    assert job_row(worker_app, job_id).attempts == 2


def test_redis_down_when_requested_the_request_succeeds_and_the_job_runs_when_it_is_back(
    worker_app: Flask, start_worker, redis_server: RedisServer, smtp_sink: SmtpSink
) -> None:
    _, _, owner_id = make_owner(worker_app)
    client = owner_client(worker_app, owner_id)
    client.get("/orgs/aerlig/exports/")
    redis_server.stop()
    started = time.monotonic()
    response = request_data_export(client)
    assert response.status_code == 303 and time.monotonic() - started < 5
    job_id = only_job_id(worker_app)
    assert job_row(worker_app, job_id).status == QUEUED
    with worker_app.app_context():
        status = db.session.scalar(
            select(OutboxItem.status).where(OutboxItem.idempotency_key == f"export:{job_id}")
        )
    assert status == PENDING
    page = client.get(f"/orgs/aerlig/exports/{job_id}")
    assert page.status_code == 200 and "I kø" in page.get_data(as_text=True)

    redis_server.start()
    start_worker()
    with worker_app.app_context():
        assert outbox.redispatch_pending(older_than=timedelta(0)) == 1
    smtp_sink.wait_for_mail("eier@example.org", timeout=60)
    wait_for(lambda: job_row(worker_app, job_id).status == DONE, timeout=30)
    time.sleep(1)
    assert len(smtp_sink.to("eier@example.org")) == 1

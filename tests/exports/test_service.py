"""Export jobs in-process: requesting writes the job and its outbox entry together; a job runs
once, writes its file, queues one mail; failures are sentences; expired files go."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.exports import service, storage, tasks
from portal.exports.models import DONE, FAILED, QUEUED, RUNNING, ExportJob
from portal.exports.service import ExportError
from portal.extensions import db
from portal.orgs import scoping
from portal.outbox.models import OutboxItem
from portal.timeutil import utcnow
from tests.support.tenants import Tenant


def outbox_items(key_prefix: str) -> list[OutboxItem]:
    with scoping.system_scope():
        return list(
            db.session.scalars(
                select(OutboxItem).where(OutboxItem.idempotency_key.startswith(key_prefix))
            )
        )


def fresh(job_id: int) -> ExportJob:
    with scoping.system_scope():
        db.session.expire_all()
        return db.session.get(ExportJob, job_id)


def workbook_job(tenant: Tenant, **values: object) -> ExportJob:
    """A job for a workbook the organisation does not have (the workspace is elsewhere)."""
    job = ExportJob(org_id=tenant.org.id, workbook_id=999, title="Strategi", format="pdf",
                    requested_by_id=tenant.editor.id, expires_at=utcnow() + timedelta(days=7),
                    **values)  # fmt: skip
    with scoping.org_scope(tenant.org):
        db.session.add(job)
    return job


def test_requesting_writes_the_job_and_its_outbox_entry_in_one_transaction(
    app: Flask, acme: Tenant
) -> None:
    job = service.request_org_data_export(acme.org, acme.owner, "en")
    assert (job.status, job.progress, job.format, job.language) == (QUEUED, 0, "zip", "en")
    assert job.title == "Alle data for Acme AS"
    assert timedelta(days=6, hours=23) < job.expires_at - utcnow() <= timedelta(days=7)
    [item] = outbox_items(f"export:{job.id}")
    assert item.handler == service.DISPATCH_HANDLER and item.payload == {"job_id": job.id}


@pytest.mark.parametrize("role", ["admin", "editor", "member"])
def test_only_an_owner_may_export_all_the_organisations_data(
    app: Flask, acme: Tenant, role: str
) -> None:
    with pytest.raises(ExportError, match="Bare eiere"):
        service.request_org_data_export(acme.org, acme.user(role), "nb")
    assert service.history(acme.org) == []


@pytest.mark.parametrize(
    ("fmt", "language", "message"),
    [("exe", "nb", "Velg PDF"), ("pdf", "de", "Velg norsk"), ("pdf", "nb", "Fant ikke")],
)
def test_a_bad_request_is_a_sentence_and_writes_nothing(
    app: Flask, acme: Tenant, fmt: str, language: str, message: str
) -> None:
    with pytest.raises(ExportError, match=message):
        service.request_export(acme.org, acme.editor, 1, fmt, language)
    assert service.history(acme.org) == [] and outbox_items("export:") == []


def test_a_job_runs_once_writes_its_file_and_queues_one_mail(app: Flask, acme: Tenant) -> None:
    job = service.request_org_data_export(acme.org, acme.owner, "nb")
    assert service.run_job(job.id) == DONE
    done = fresh(job.id)
    assert (done.status, done.progress, done.attempts, done.error) == (DONE, 100, 1, None)
    path = storage.file_path(job.id, "zip")
    assert path.name == f"export-{job.id}.zip" and done.file_size == path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("organisation.json"))
    assert data["organisation"]["slug"] == "acme"
    assert {m["email"] for m in data["members"]} >= {"owner@acme.test", "member@acme.test"}
    assert any(entry["action"] == "export.requested" for entry in data["audit_log"])
    # A redelivered task finds the job done: nothing runs twice, one mail.
    assert service.run_job(job.id) == "skipped"
    [mail] = outbox_items(f"mail:export-ready:{job.id}")
    assert mail.payload["to"] == "owner@acme.test"
    assert f"/orgs/acme/exports/{job.id}" in mail.payload["text"]


def test_a_job_whose_worker_was_lost_runs_again_and_a_busy_one_is_left_alone(
    app: Flask, acme: Tenant
) -> None:
    job = service.request_org_data_export(acme.org, acme.owner, "nb")
    job.status, job.attempts, job.heartbeat_at = RUNNING, 1, utcnow()
    db.session.commit()  # as the request would (a skipped run rolls its own transaction back)
    assert service.run_job(job.id) == "skipped"  # a duplicate while the first still works
    assert service.resume_stalled() == 0
    with scoping.system_scope():
        fresh(job.id).heartbeat_at = utcnow() - service.stall_after() - timedelta(seconds=1)
    assert service.run_job(job.id) == DONE
    assert fresh(job.id).attempts == 2
    assert len(outbox_items(f"mail:export-ready:{job.id}")) == 1


def test_the_sweep_hands_over_jobs_whose_task_never_arrived(app: Flask, acme: Tenant) -> None:
    job = service.request_org_data_export(acme.org, acme.owner, "nb")
    later = utcnow() + service.stall_after() + timedelta(seconds=1)
    # In-process the hand-over runs the job at once.
    assert service.resume_stalled(now=later) == 1
    assert fresh(job.id).status == DONE
    assert service.resume_stalled(now=later) == 0


def test_a_job_whose_workbook_is_gone_fails_with_a_sentence(app: Flask, acme: Tenant) -> None:
    job = workbook_job(acme)
    assert service.run_job(job.id) == FAILED
    failed = fresh(job.id)
    assert failed.status == FAILED and "Fant ikke arbeidsboken" in failed.error
    assert outbox_items(f"mail:export-ready:{job.id}") == []


def test_transient_errors_are_retried_then_the_job_fails_with_a_sentence(
    app: Flask, acme: Tenant, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    saved = app.config["EXPORT_DIR"]
    app.config["EXPORT_DIR"] = str(blocker / "exports")  # every write fails (OSError)
    try:
        job = service.request_org_data_export(acme.org, acme.owner, "nb")
        # This app's own task (another test's app may be Celery's current one by now).
        app.extensions["celery"].tasks[service.RENDER_TASK].apply(args=[job.id])
    finally:
        app.config["EXPORT_DIR"] = saved
    failed = fresh(job.id)
    assert failed.status == FAILED
    assert failed.attempts == tasks.MAX_RETRIES + 1
    assert failed.error == "Eksporten lyktes ikke etter flere forsøk. Prøv igjen om litt."


def test_expired_files_are_deleted_and_the_history_stays(app: Flask, acme: Tenant) -> None:
    job = service.request_org_data_export(acme.org, acme.owner, "nb")
    service.run_job(job.id)
    path = storage.file_path(job.id, "zip")
    assert path.is_file() and service.downloadable(fresh(job.id))
    assert service.purge_expired(now=utcnow() + timedelta(days=6)) == 0
    assert service.purge_expired(now=utcnow() + timedelta(days=8)) == 1
    assert not path.exists()
    gone = fresh(job.id)
    assert gone.purged_at is not None and gone.is_expired() and not service.downloadable(gone)
    assert service.history(acme.org) == [gone]


def test_history_is_per_organisation_and_per_workbook(
    app: Flask, acme: Tenant, fjord: Tenant
) -> None:
    data = service.request_org_data_export(acme.org, acme.owner, "nb")
    wb = workbook_job(acme)
    service.request_org_data_export(fjord.org, fjord.owner, "nb")
    with scoping.org_scope(acme.org):
        assert service.history(acme.org) == [wb, data]
        assert service.history(acme.org, workbook_id=999) == [wb]
        count = db.session.scalar(select(func.count(ExportJob.id)))
    assert count == 2  # row-level security: acme's scope sees acme's jobs only


def test_a_download_name_keeps_letters_and_drops_paths() -> None:
    assert storage.download_name("IKT-strategi for Ærø ../../etc/passwd", "pdf") == (
        "IKT-strategi for Ærø . . etc passwd.pdf"
    )
    assert storage.download_name("  ../..  ", "md") == "veivalg-eksport.md"
    assert storage.download_name('a"b\r\nc;d', "xlsx") == "a b c d.xlsx"
    header = storage.content_disposition("Strategi for Ærø 🚀.pdf")
    assert header == (
        'attachment; filename="Strategi for AEro .pdf"; '
        "filename*=UTF-8''Strategi%20for%20%C3%86r%C3%B8%20%F0%9F%9A%80.pdf"
    )

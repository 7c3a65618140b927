"""Export jobs: request one (row and outbox entry in one transaction), run it once, clean up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import User
from portal.exports import builder, orgdata, storage
from portal.exports.document import Document
from portal.exports.models import (
    DONE,
    FAILED,
    ORG_DATA,
    QUEUED,
    RUNNING,
    WORKBOOK_FORMATS,
    ExportJob,
)
from portal.exports.render_docx import render_docx
from portal.exports.render_md import render_markdown
from portal.exports.render_pdf import render_pdf
from portal.exports.render_xlsx import render_xlsx
from portal.extensions import db, listen_once
from portal.mail import service as mail
from portal.orgs import audit, scoping
from portal.orgs import service as orgs
from portal.orgs.invitations import absolute_link
from portal.orgs.models import Organization
from portal.outbox import service as outbox
from portal.refused import Refused
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

RENDER_TASK = "exports.render"
DISPATCH_HANDLER = "portal.exports.service:dispatch_job"
RENDERERS: dict[str, Callable[[Document], bytes]] = {
    "pdf": render_pdf,
    "docx": render_docx,
    "xlsx": render_xlsx,
    "md": render_markdown,
}
LANGUAGES = ("nb", "en")
_AFTER_COMMIT = "exports_after_commit"


class ExportError(Refused):
    """A request that cannot become an export; the message is for the person who asked."""


class JobFailed(Exception):
    """The job cannot succeed (its workbook is gone); the message is for the requester."""


# --- Requesting ------------------------------------------------------------------------------


def _retention() -> timedelta:
    return timedelta(days=current_app.config["EXPORT_RETENTION_DAYS"])


def _queue(org: Organization, user: User, job: ExportJob) -> ExportJob:
    if scoping.current_org_id() != org.id:
        scoping.use_org(org)
    db.session.add(job)
    db.session.flush()
    # The job is handed to a worker only if this transaction commits; if the broker is down the
    # outbox entry waits for beat, and the job runs once Redis is back.
    outbox.add(DISPATCH_HANDLER, {"job_id": job.id}, key=f"export:{job.id}")
    audit.record(org, user, "export.requested", target=job.title, after={"format": job.format})
    return job


def request_export(
    org: Organization,
    user: User,
    workbook_id: int,
    fmt: str,
    language: str,
    snapshot_id: int | None = None,
) -> ExportJob:
    """Queue an export of a workbook (or one of its snapshots) of `org` in one format.

    An unknown format or language, another organisation's workbook, or a snapshot of another
    workbook is an ExportError and writes nothing.
    """
    if fmt not in WORKBOOK_FORMATS:
        raise ExportError(_("Velg PDF, Word, Excel eller Markdown."))
    if language not in LANGUAGES:
        raise ExportError(_("Velg norsk eller engelsk."))
    try:
        title = builder.workbook_title(org, workbook_id, snapshot_id)
    except builder.WorkbookNotFound as exc:
        raise ExportError(str(exc)) from exc
    job = ExportJob(
        org_id=org.id, workbook_id=workbook_id, snapshot_id=snapshot_id, title=title[:300],
        format=fmt, language=language, requested_by_id=user.id, status=QUEUED,
        expires_at=utcnow() + _retention(),
    )  # fmt: skip
    return _queue(org, user, job)


def request_org_data_export(org: Organization, user: User, language: str) -> ExportJob:
    """Queue the organisation's data export; only an owner may ask for it."""
    membership = orgs.membership_for(org, user)
    if membership is None or membership.role != "owner":
        raise ExportError(_("Bare eiere kan laste ned alle data for organisasjonen."))
    job = ExportJob(
        org_id=org.id, title=_("Alle data for %(org)s", org=org.name)[:300], format=ORG_DATA,
        language=language if language in LANGUAGES else "nb", requested_by_id=user.id,
        status=QUEUED, expires_at=utcnow() + _retention(),
    )  # fmt: skip
    return _queue(org, user, job)


def dispatch_job(payload: dict[str, Any]) -> None:
    """Outbox handler: hand the job to a worker (with the time limit from the configuration)."""
    celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        # In-process (no Redis): run it after this outbox item commits, in a session of its own,
        # so a SQLite write lock held by the item does not block the job.
        db.session.info.setdefault(_AFTER_COMMIT, []).append(payload["job_id"])
        return
    send(payload["job_id"])


def send(job_id: int) -> None:
    limit = current_app.config["EXPORT_TIME_LIMIT"]
    current_app.extensions["celery"].signature(
        RENDER_TASK, args=[job_id], time_limit=limit, soft_time_limit=max(limit - 15, 1)
    ).apply_async()


def _run_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return
    for job_id in session.info.pop(_AFTER_COMMIT, None) or []:
        send(job_id)


def _forget_after_rollback(session: Session) -> None:
    if session.get_nested_transaction() is None:
        session.info.pop(_AFTER_COMMIT, None)


def install() -> None:
    """Run in-process jobs after their outbox item commits (create_app calls this once)."""
    listen_once(Session, "after_commit", _run_after_commit)
    listen_once(Session, "after_rollback", _forget_after_rollback)


# --- Reading ---------------------------------------------------------------------------------


def history(org: Organization, workbook_id: int | None = None, limit: int = 50) -> list[ExportJob]:
    """The organisation's exports, newest first (one workbook's, or the data exports, if given)."""
    query = (
        ExportJob.select_for(org)
        .options(joinedload(ExportJob.requested_by))
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
    )
    if workbook_id is not None:
        query = query.where(ExportJob.workbook_id == workbook_id)
    return list(db.session.scalars(query.limit(limit)))


def downloadable(job: ExportJob) -> bool:
    return job.status == DONE and not job.is_expired() and job_file(job).is_file()


def job_file(job: ExportJob) -> Any:
    return storage.file_path(job.id, job.format)


# --- Running ---------------------------------------------------------------------------------


def stall_after() -> timedelta:
    """A running job silent this long has lost its worker: the hard time limit has passed."""
    return timedelta(seconds=current_app.config["EXPORT_TIME_LIMIT"] + 10)


def _claim(job_id: int) -> int | None:
    """Lock the job and mark it running, unless it is finished or another worker has it.

    Returns the job's organisation id (the worker has no scope until it knows it)."""
    now = utcnow()
    with scoping.system_scope():
        job = db.session.scalar(
            select(ExportJob).where(ExportJob.id == job_id).with_for_update(skip_locked=True)
        )
        fresh = job is not None and job.heartbeat_at and job.heartbeat_at > now - stall_after()
        if job is None or job.status in (DONE, FAILED) or (job.status == RUNNING and fresh):
            # Finished, or a duplicate delivery while another worker still works on it.
            job = None
        else:
            job.status = RUNNING
            job.attempts += 1
            job.started_at = job.started_at or now
            job.heartbeat_at = now
            job.progress = 5
    if job is None:
        db.session.rollback()
        return None
    org_id = job.org_id
    db.session.commit()
    return org_id


def _progress(job: ExportJob, value: int) -> None:
    job.progress = value
    job.heartbeat_at = utcnow()
    db.session.commit()


def _produce(job: ExportJob, org: Organization) -> bytes:
    if job.format == ORG_DATA:
        return orgdata.render_org_data(org, job.language)
    try:
        doc = builder.build_document(org, job.workbook_id or 0, job.snapshot_id, job.language)
    except builder.WorkbookNotFound as exc:
        raise JobFailed(str(exc)) from exc
    _progress(job, 40)
    return RENDERERS[job.format](doc)


def run_job(job_id: int) -> str:
    """Run a job at most once to completion: claim it, render, write its file, mark it done and
    queue the requester's mail (one mail, whatever the number of reruns). Returns its status.

    A rerun (a redelivered task, or the sweep after a lost worker) writes the same file again.
    JobFailed marks the job failed with its message; other errors propagate to the task, which
    retries transient ones and fails the job after the last attempt.
    """
    org_id = _claim(job_id)
    if org_id is None:
        return "skipped"
    org = orgs.get_by_id(org_id)
    if org is None:
        fail(job_id, _("Organisasjonen finnes ikke lenger."))
        return FAILED
    with scoping.org_scope(org):
        job = db.session.get_one(ExportJob, job_id)
        _progress(job, 10)
        try:
            data = _produce(job, org)
        except JobFailed as exc:
            db.session.rollback()
            fail(job_id, str(exc))
            return FAILED
        _progress(job, 90)
        storage.write_atomically(job_file(job), data)
        job.status = DONE
        job.progress = 100
        job.file_size = len(data)
        job.error = None
        job.finished_at = utcnow()
        job.expires_at = job.finished_at + _retention()
        job.heartbeat_at = job.finished_at
        _mail_ready(org, job)
    db.session.commit()
    return DONE


def _mail_ready(org: Organization, job: ExportJob) -> None:
    user = job.requested_by
    if user is None:
        return
    mail.queue(
        user.email,
        "exports_ready",
        user.locale or "nb",
        key=f"export-ready:{job.id}",
        org_name=org.name,
        title=job.title,
        format=job.format.upper(),
        expires_at=job.expires_at,
        link=absolute_link("exports.job", org_slug=org.slug, job_id=str(job.id)),
    )


def fail(job_id: int, message: str) -> None:
    """Mark the job failed with a sentence for the requester (it is not retried again)."""
    db.session.rollback()
    with scoping.system_scope():
        job = db.session.get(ExportJob, job_id, with_for_update=True)
        if job is not None and job.status != DONE:
            job.status = FAILED
            job.error = message[:2000]
            job.finished_at = utcnow()
    db.session.commit()


def retry_later(job_id: int, message: str) -> None:
    """A transient failure: the job waits, queued, for the task's retry."""
    db.session.rollback()
    with scoping.system_scope():
        job = db.session.get(ExportJob, job_id, with_for_update=True)
        if job is not None and job.status == RUNNING:
            job.status = QUEUED
            job.heartbeat_at = utcnow()
            log.warning("export %s will be retried: %s", job_id, message)
    db.session.commit()


# --- Beat ------------------------------------------------------------------------------------


def resume_stalled(now: datetime | None = None) -> int:
    """Hand over again every job whose worker was lost (running, silent past the time limit) or
    whose task never arrived (queued that long); the job's own lock keeps it to one run."""
    cutoff = (now or utcnow()) - stall_after()
    with scoping.system_scope():
        ids = list(
            db.session.scalars(
                select(ExportJob.id).where(
                    ExportJob.status.in_((QUEUED, RUNNING)),
                    db.func.coalesce(ExportJob.heartbeat_at, ExportJob.created_at) < cutoff,
                )
            )
        )
    db.session.commit()
    for job_id in ids:
        send(job_id)
    return len(ids)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the files of expired exports; their history lines stay."""
    now = now or utcnow()
    with scoping.system_scope():
        jobs = list(
            db.session.scalars(
                select(ExportJob).where(ExportJob.expires_at <= now, ExportJob.purged_at.is_(None))
            )
        )
        for job in jobs:
            job_file(job).unlink(missing_ok=True)
            job.purged_at = now
    return len(jobs)

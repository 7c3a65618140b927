"""Celery tasks of exports: render one job, and the beat sweeps (lost jobs, expired files)."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError

from portal.exports import imports, service
from portal.exports.models import FAILED
from portal.extensions import db
from portal.outbox.service import TransientError

log = logging.getLogger(__name__)

# Worth another try later: the database or the disk hiccuped, a service was away.
TRANSIENT = (OperationalError, DBAPIError, OSError, TransientError)
MAX_RETRIES = 3


def backoff(retries: int) -> int:
    """Seconds before the next try: 10, 40, 160."""
    return 10 * 4**retries


@shared_task(
    bind=True,
    name=service.RENDER_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    # The real limits come with each message from EXPORT_TIME_LIMIT (service.send); these are the
    # fallback, and all of them stay far below the broker's visibility timeout of an hour.
    soft_time_limit=285,
    time_limit=300,
)
def render(self: Task, job_id: int, **_kwargs: Any) -> str:
    try:
        return service.run_job(job_id)
    except SoftTimeLimitExceeded:
        service.fail(job_id, _readable("too_long"))
        return FAILED
    except TRANSIENT as exc:
        log.warning("export %s: transient error (try %s): %s", job_id, self.request.retries, exc)
        if self.request.retries >= MAX_RETRIES:
            service.fail(job_id, _readable("transient"))
            return FAILED
        service.retry_later(job_id, str(exc))
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    except Exception:
        log.exception("export %s failed", job_id)
        service.fail(job_id, _readable("unexpected"))
        return FAILED


def _readable(reason: str) -> str:
    # Stored on the job and shown to the requester; Norwegian is the msgid language.
    with force_locale("nb"):
        return {
            "too_long": _("Eksporten tok for lang tid og ble stoppet. Prøv et mindre format, "
                          "eller prøv igjen senere."),
            "transient": _("Eksporten lyktes ikke etter flere forsøk. Prøv igjen om litt."),
            "unexpected": _("Eksporten feilet. Prøv igjen, og kontakt oss om det gjentar seg."),
        }[reason]  # fmt: skip


@shared_task(name="exports.resume_stalled", ignore_result=True)
def resume_stalled(**_: Any) -> int:
    return service.resume_stalled()


@shared_task(name="exports.purge_expired", ignore_result=True)
def purge_expired(**_: Any) -> int:
    removed = service.purge_expired()
    db.session.commit()
    imports.purge_staged()
    return removed

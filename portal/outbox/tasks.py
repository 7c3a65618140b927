"""Celery tasks of the outbox: run one item, and the beat sweep that hands over stragglers."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from portal.extensions import db
from portal.outbox import service
from portal.outbox.service import RUN_TASK, TransientError

MAX_RETRIES = 8


@shared_task(
    name=RUN_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=240,
    time_limit=300,
)
def run_item(self: Task, item_id: int) -> str:
    try:
        return service.run(item_id)
    except TransientError as exc:
        if self.request.is_eager:
            # In-process (no broker): no sleeping retries inside a request; the item stays
            # pending and `flask outbox-redispatch` (or the next beat) hands it over again.
            return "pending"
        if self.request.retries >= MAX_RETRIES:
            service.mark_failed_after_retries(item_id, f"gave up after retries: {exc}")
            return "failed"
        countdown = min(600, 5 * 2**self.request.retries)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="outbox.redispatch", ignore_result=True)
def redispatch(**_: Any) -> int:
    return service.redispatch_pending()


@shared_task(name="outbox.prune", ignore_result=True)
def prune(**_: Any) -> int:
    removed = service.prune_finished()
    db.session.commit()
    return removed

"""Celery tasks of the outbox: run one item, and the beat sweeps that hand over and prune."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from portal.extensions import db
from portal.outbox import service
from portal.outbox.service import RUN_TASK


@shared_task(
    name=RUN_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=300,
)
def run_item(item_id: int) -> str:
    # No Celery retries: a failed attempt stays pending and the sweep below hands it over
    # again after its back-off (service.backoff), so one mechanism covers every outage.
    return service.run(item_id)


@shared_task(name="outbox.redispatch", ignore_result=True)
def redispatch(**_: Any) -> int:
    return service.redispatch_pending()


@shared_task(name="outbox.prune", ignore_result=True)
def prune(**_: Any) -> int:
    removed = service.prune_finished()
    db.session.commit()
    return removed

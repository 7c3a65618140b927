"""Celery tasks of the workspace: the daily reminders to owners."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from portal.extensions import db
from portal.workspace import reminders

log = logging.getLogger(__name__)


@shared_task(name="workspace.send_reminders", ignore_result=True, acks_late=True)
def send_reminders(**_: Any) -> dict[str, int]:
    """Remind owners of overdue measures and unmeasured indicators (each once per period)."""
    counts = reminders.send_due()
    db.session.commit()
    log.info("workspace reminders: %s", counts)
    return counts

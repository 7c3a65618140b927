"""The beat schedule: periodic work, each entry a task name registered by a portal domain."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "outbox-redispatch": {"task": "outbox.redispatch", "schedule": 30.0},
    "outbox-prune": {"task": "outbox.prune", "schedule": crontab(minute=0, hour=3)},
    "content-publish-due": {"task": "content.publish_due", "schedule": 60.0},
    "orgs-purge-deleted": {"task": "orgs.purge_deleted", "schedule": crontab(minute=15, hour=3)},
    "billing-reconcile": {"task": "billing.reconcile", "schedule": crontab(minute=30, hour=4)},
    "workspace-reminders": {
        "task": "workspace.send_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
}

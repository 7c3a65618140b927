"""Celery tasks of billing: the daily reconciliation with Stripe."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from portal.billing import gateway
from portal.billing.reconcile import reconcile as run_reconcile
from portal.extensions import db
from portal.orgs.scoping import system_scope

log = logging.getLogger(__name__)


@shared_task(name="billing.reconcile", ignore_result=True, acks_late=True)
def reconcile(**_: Any) -> dict[str, int] | None:
    if not gateway.enabled():
        return None
    with system_scope():
        counts = run_reconcile()
    db.session.commit()
    log.info("billing reconciliation: %s", counts)
    return counts

"""Reconciliation: list every subscription in Stripe and correct our mirror where it drifted."""

from __future__ import annotations

import logging

from portal.billing import gateway, mirror

log = logging.getLogger(__name__)


def reconcile() -> dict[str, int]:
    """Apply Stripe's state of every subscription of our customers; a second run changes nothing.

    Returns counts: seen (in Stripe), ours, changed.
    """
    seen = ours = changed = 0
    for data in gateway.iter_subscriptions():
        seen += 1
        row, fields = mirror.apply(data)
        if row is None:
            continue
        ours += 1
        if fields:
            changed += 1
            log.info("reconciled %s: %s", data["id"], ", ".join(fields))
    return {"seen": seen, "ours": ours, "changed": changed}

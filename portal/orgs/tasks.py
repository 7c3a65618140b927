"""Celery tasks of organisations: the nightly purge of organisations deleted long enough ago."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from portal.extensions import db
from portal.orgs import deletion


@shared_task(name="orgs.purge_deleted", ignore_result=True)
def purge_deleted(**_: Any) -> int:
    """Purge organisations soft-deleted more than ORG_PURGE_AFTER_DAYS ago."""
    purged = deletion.purge_deleted()
    db.session.commit()
    return purged

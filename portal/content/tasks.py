"""Celery tasks of the content domain."""

from __future__ import annotations

from celery import shared_task

from portal.content import editorial
from portal.extensions import db


@shared_task(name="content.publish_due")
def publish_due() -> list[int]:
    """Beat: publish scheduled articles whose time has come."""
    ids = editorial.publish_due()
    db.session.commit()
    return ids

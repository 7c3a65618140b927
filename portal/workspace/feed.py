"""What the workspace's front page and the organisation overview's panel read: recent activity
and measures falling due, each in one statement."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.orgs import audit
from portal.orgs.models import Organization, OrgAuditEntry
from portal.workspace import activity
from portal.workspace.models import Measure, Workbook


def recent_activity(org: Organization, limit: int = 10) -> list[OrgAuditEntry]:
    return list(
        db.session.scalars(
            audit.entries_query(org)
            .where(OrgAuditEntry.action.like(activity.PREFIX + "%"))
            .limit(limit)
        )
    )


def measures_due(org: Organization, today: date, days: int = 30, limit: int = 10) -> list[Any]:
    """Open measures ending within `days` (or already overdue), soonest first, with their
    workbook — one statement."""
    query = (
        select(Measure, Workbook.title)
        .join(Workbook, Workbook.id == Measure.workbook_id)
        .where(
            Measure.org_id == org.id,
            Measure.status.in_(("planned", "in_progress")),
            Measure.end_date.is_not(None),
            Measure.end_date <= today + timedelta(days=days),
        )
        .order_by(Measure.end_date, Measure.id)
        .limit(limit)
    )
    return list(db.session.execute(query))

"""Reminders to owners: measures past their end date, indicators without a measurement this
year. Each goes out once per item and period: the sent-reminders table's unique key decides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, extract, or_, select
from sqlalchemy.exc import IntegrityError

from portal.billing import entitlements
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs.models import Organization
from portal.workspace import notices
from portal.workspace.models import Goal, Measure, Measurement, SentReminder, Workbook

# An indicator is due for its yearly measurement from this month on.
INDICATOR_DUE_MONTH = 7


def _claim(org: Organization, kind: str, target_id: int, period: str) -> bool:
    """Record the reminder; False if it was sent before (or a parallel run just sent it)."""
    if db.session.scalar(
        select(SentReminder.id).where(
            SentReminder.kind == kind,
            SentReminder.target_id == target_id,
            SentReminder.period == period,
        )
    ):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                SentReminder(org_id=org.id, kind=kind, target_id=target_id, period=period)
            )
    except IntegrityError:
        return False
    return True


def _live(org: Organization, cache: dict[int, bool]) -> bool:
    # A lapsed organisation cannot act on a reminder (its workspace is read-only).
    if org.id not in cache:
        cache[org.id] = entitlements.org_has_access(org)
    return cache[org.id]


def send_due(today: date | None = None) -> dict[str, int]:
    """Queue every reminder that is due and not yet sent, across organisations."""
    today = today or date.today()
    counts = {"measure_overdue": 0, "indicator_unmeasured": 0}
    live: dict[int, bool] = {}
    with scoping.system_scope():
        overdue = db.session.execute(
            select(Measure, Workbook, Organization)
            .join(Workbook, Workbook.id == Measure.workbook_id)
            .join(Organization, Organization.id == Measure.org_id)
            .where(
                Organization.deleted_at.is_(None),
                Measure.owner_id.is_not(None),
                Measure.end_date < today,
                Measure.status.in_(("planned", "in_progress")),
            )
            .order_by(Measure.id)
        ).all()
        for measure, workbook, org in overdue:
            period = measure.end_date.isoformat()
            if _live(org, live) and _claim(org, "measure_overdue", measure.id, period):
                notices.reminder(org, measure.owner, workbook, "measure_overdue", measure.title,
                                 f"measure:{measure.id}:{period}")  # fmt: skip
                counts["measure_overdue"] += 1
        if today.month >= INDICATOR_DUE_MONTH:
            measured = exists().where(
                Measurement.goal_id == Goal.id,
                extract("year", Measurement.measured_on) == today.year,
            )
            unmeasured = db.session.execute(
                select(Goal, Workbook, Organization)
                .join(Workbook, Workbook.id == Goal.workbook_id)
                .join(Organization, Organization.id == Goal.org_id)
                .where(
                    Organization.deleted_at.is_(None),
                    Goal.owner_id.is_not(None),
                    Goal.indicator_unit != "",
                    Goal.target.is_not(None),
                    or_(Workbook.period_from.is_(None), Workbook.period_from <= today.year),
                    or_(Workbook.period_to.is_(None), Workbook.period_to >= today.year),
                    ~measured,
                )
                .order_by(Goal.id)
            ).all()
            for goal, workbook, org in unmeasured:
                period = str(today.year)
                if _live(org, live) and _claim(org, "indicator_unmeasured", goal.id, period):
                    notices.reminder(org, goal.owner, workbook, "indicator_unmeasured",
                                     goal.title, f"goal:{goal.id}:{period}")  # fmt: skip
                    counts["indicator_unmeasured"] += 1
    return counts

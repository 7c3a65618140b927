"""The reminder task: overdue measures and unmeasured indicators, once per item and period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.orgs import scoping
from portal.outbox.models import OutboxItem
from portal.workspace import planning, reminders
from portal.workspace.tasks import send_reminders
from tests.workspace.factories import add_goal, add_measure

AUGUST = date(2026, 8, 15)


def mails() -> list[OutboxItem]:
    return list(db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_each_reminder_is_sent_once_per_item_and_period(acme, wb) -> None:
    overdue = add_measure(acme, wb, "For sent", owner_id=acme.editor.id, end_date=date(2026, 8, 1))
    add_measure(acme, wb, "Ferdig", end_date=date(2026, 8, 1), status="done")
    add_measure(acme, wb, "Senere", end_date=date(2099, 12, 1))
    goal = add_goal(acme, wb, "Umålt", owner_id=acme.member.id)
    measured = add_goal(acme, wb, "Målt")
    with scoping.org_scope(acme.org):
        planning.add_measurement(acme.org, acme.owner, wb, measured, date(2026, 3, 1),
                                 Decimal(1), "")  # fmt: skip
    before = len(mails())
    assert reminders.send_due(AUGUST) == {"measure_overdue": 1, "indicator_unmeasured": 1}
    sent = mails()[before:]
    assert sorted(m.payload["to"] for m in sent) == sorted([acme.editor.email, acme.member.email])
    assert any("For sent" in m.payload["text"] for m in sent)
    assert reminders.send_due(AUGUST) == {"measure_overdue": 0, "indicator_unmeasured": 0}
    assert send_reminders.run() is not None  # the beat task runs the same, now nothing is due
    assert len(mails()) == before + 2
    # A new period (a new end date, a new year) may remind again.
    with scoping.org_scope(acme.org):
        planning.save(acme.org, acme.owner, wb, overdue, {"end_date": date(2026, 8, 10)})
    assert reminders.send_due(AUGUST)["measure_overdue"] == 1
    assert reminders.send_due(date(2027, 7, 2))["indicator_unmeasured"] == 2
    assert goal.id


def test_no_indicator_reminder_before_july_or_for_a_lapsed_org(acme, wb) -> None:
    add_goal(acme, wb, "Umålt")
    assert reminders.send_due(date(2026, 3, 1))["indicator_unmeasured"] == 0
    acme.org.trial_ends_at = None
    db.session.flush()
    assert reminders.send_due(AUGUST)["indicator_unmeasured"] == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0

"""Goals with measurements, measures, benefits and risks: create, change, remove.

Links (a measure's goals, a benefit's measures and goal) must stay inside one workbook of one
organisation, and owners must be members: anything else is refused, never half-written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import delete, select

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.models import Organization
from portal.workspace import activity, audited, notices
from portal.workspace.errors import WorkspaceError
from portal.workspace.models import (
    Benefit,
    BenefitMeasure,
    Goal,
    Measure,
    MeasureGoal,
    Measurement,
    Risk,
    Workbook,
)
from portal.workspace.service import check_owner, touch

Row = Goal | Measure | Benefit | Risk
KIND_OF = {Goal: "goal", Measure: "measure", Benefit: "benefit", Risk: "risk"}


def child_of(org: Organization, workbook: Workbook, model: type[Row], ident: int) -> Any:
    """A goal/measure/benefit/risk of this workbook in this organisation, or 404."""
    row = model.get_for_org_or_404(org, ident)
    if row.workbook_id != workbook.id:
        abort(404)
    return row


def rows(org: Organization, workbook: Workbook, model: type[Row]) -> list[Any]:
    return list(
        db.session.scalars(
            model.select_for(org).where(model.workbook_id == workbook.id).order_by(model.id)
        )
    )


def save(
    org: Organization,
    actor: User,
    workbook: Workbook,
    row: Row,
    values: dict[str, Any],
    *,
    goal_ids: list[int] | None = None,
    measure_ids: list[int] | None = None,
) -> Row:
    """Create (a row without id) or change a goal, measure, benefit or risk.

    The owner must be a member; linked goals and measures must be this workbook's; a newly
    assigned owner gets a notice by e-mail (through the outbox).
    """
    kind = KIND_OF[type(row)]
    values = dict(values)
    if "owner_id" in values:
        values["owner_id"] = check_owner(org, values["owner_id"])
    if "goal_id" in values and values["goal_id"]:
        values["goal_id"] = _own_ids(org, workbook, Goal, [values["goal_id"]])[0]
    elif "goal_id" in values:
        values["goal_id"] = None
    new = row.id is None
    before = {} if new else audited.display(row)
    previous_owner = None if new else row.owner_id
    for key, value in values.items():
        setattr(row, key, value)
    row.org_id, row.workbook_id = org.id, workbook.id
    if new:
        db.session.add(row)
    db.session.flush()
    if goal_ids is not None:
        _link(org, workbook, MeasureGoal, "measure_id", row.id, "goal_id", Goal, goal_ids)
    if measure_ids is not None:
        _link(org, workbook, BenefitMeasure, "benefit_id", row.id, "measure_id", Measure,
              measure_ids)  # fmt: skip
    db.session.refresh(row, ["owner"])
    touch(workbook)
    if new:
        activity.record(org, actor, f"{kind}.added", audited.label(row))
    else:
        old, changed = activity.changes(before, audited.display(row))
        if changed:
            activity.record(org, actor, f"{kind}.updated", audited.label(row), old, changed)
    if row.owner_id and row.owner_id != previous_owner and row.owner_id != actor.id:
        notices.owner_assigned(org, actor, row.owner, workbook, kind, audited.label(row))
    return row


def _own_ids(org: Organization, workbook: Workbook, model: type[Row], ids: list[int]) -> list[int]:
    wanted = {int(i) for i in ids}
    found = set(
        db.session.scalars(
            select(model.id).where(
                model.org_id == org.id, model.workbook_id == workbook.id, model.id.in_(wanted)
            )
        )
    )
    if found != wanted:
        raise WorkspaceError(
            _("En av koblingene peker på noe som ikke finnes i denne arbeidsboken.")
        )
    return sorted(found)


def _link(
    org: Organization,
    workbook: Workbook,
    table: type[MeasureGoal] | type[BenefitMeasure],
    own_column: str,
    own_id: int,
    other_column: str,
    other_model: type[Row],
    other_ids: list[int],
) -> None:
    ids = _own_ids(org, workbook, other_model, other_ids) if other_ids else []
    db.session.execute(delete(table).where(getattr(table, own_column) == own_id))
    for other in ids:
        db.session.add(table(org_id=org.id, **{own_column: own_id, other_column: other}))
    db.session.flush()


def remove(org: Organization, actor: User, workbook: Workbook, row: Row) -> None:
    """Remove a goal, measure, benefit or risk (its links and measurements go with it)."""
    kind, label = KIND_OF[type(row)], audited.label(row)
    db.session.delete(row)
    db.session.flush()
    touch(workbook)
    activity.record(org, actor, f"{kind}.removed", label)


def linked_ids(org: Organization, row: Measure | Benefit) -> list[int]:
    if isinstance(row, Measure):
        query = select(MeasureGoal.goal_id).where(MeasureGoal.measure_id == row.id)
    else:
        query = select(BenefitMeasure.measure_id).where(BenefitMeasure.benefit_id == row.id)
    return list(db.session.scalars(query))


# --- Measurements (append-only) -------------------------------------------------------------


def add_measurement(
    org: Organization,
    actor: User,
    workbook: Workbook,
    goal: Goal,
    measured_on: date,
    value: Decimal,
    note: str,
) -> Measurement:
    """Append a reading of the goal's indicator; readings are never changed afterwards."""
    if not goal.indicator_unit:
        raise WorkspaceError(_("Gi målet en indikator før du legger inn målinger."))
    reading = Measurement(
        org_id=org.id, goal_id=goal.id, measured_on=measured_on, value=value, note=note,
        created_by_id=actor.id,
    )  # fmt: skip
    db.session.add(reading)
    db.session.flush()
    touch(workbook)
    activity.record(
        org, actor, "measurement.added", goal.title, None,
        {"value": f"{audited.num(value)} {goal.indicator_unit} ({audited.day(measured_on)})"},
    )  # fmt: skip
    return reading


def measurements(org: Organization, goal: Goal) -> list[Measurement]:
    return list(
        db.session.scalars(
            Measurement.select_for(org)
            .where(Measurement.goal_id == goal.id)
            .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
        )
    )

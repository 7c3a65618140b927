"""Rows brought in from outside (the Excel import) written through the workspace's own
operations: one call applies them all, in the caller's transaction, or refuses.

Every row goes through `planning.save` / `planning.add_measurement`, so owners are checked,
links stay inside the workbook, each change is audited as a sentence and `touch` bumps the
workbook's version (its cache key and optimistic lock) exactly as an edit in the forms does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.models import Organization
from portal.workspace import planning
from portal.workspace.errors import WorkspaceError
from portal.workspace.models import Benefit, Goal, Measure, Risk, Workbook

MODELS: dict[str, type[Goal] | type[Measure] | type[Benefit] | type[Risk]] = {
    "goal": Goal,
    "measure": Measure,
    "benefit": Benefit,
    "risk": Risk,
}


@dataclass
class RowChange:
    """One goal, measure, benefit or risk: a new one (id None) or the changed columns of one."""

    kind: str  # goal, measure, benefit, risk
    id: int | None
    # Model attribute → value (only what changes for an existing row).
    values: dict[str, Any] = field(default_factory=dict)
    goal_ids: list[int] | None = None  # a measure's goals, when they change
    measure_ids: list[int] | None = None  # a benefit's measures, when they change


@dataclass
class Reading:
    goal_id: int
    measured_on: date
    value: Decimal
    note: str = ""


def _workbook(org: Organization, workbook_id: int) -> Workbook:
    workbook = db.session.scalar(Workbook.select_for(org).where(Workbook.id == workbook_id))
    if workbook is None:
        raise LookupError(workbook_id)
    return workbook


def workbook_version(org: Organization, workbook_id: int) -> int:
    """The workbook's version column: it moves with every change to its content, so a preview
    made at one version is known to be stale at another. LookupError outside `org`."""
    return _workbook(org, workbook_id).version


def apply(
    org: Organization,
    actor: User,
    workbook_id: int,
    based_on: int,
    rows: list[RowChange],
    readings: list[Reading],
) -> Workbook:
    """Write the rows and readings to the workbook, all or nothing (the caller commits once).

    `based_on` is the version the changes were worked out against: if the workbook moved on
    since, nothing is written (WorkspaceError). Rows with an id must be this workbook's; links,
    owners and values are checked by the same operations the forms use.
    """
    workbook = _workbook(org, workbook_id)
    if workbook.version != based_on:
        raise WorkspaceError(
            _("Noen andre endret arbeidsboken samtidig. Last siden på nytt og prøv igjen.")
        )
    for change in rows:
        model = MODELS[change.kind]
        if change.id is None:
            row: Any = model()
        else:
            row = db.session.scalar(
                model.select_for(org).where(model.id == change.id, model.workbook_id == workbook.id)
            )
            if row is None:
                raise WorkspaceError(_("En av radene finnes ikke lenger i arbeidsboken."))
        planning.save(
            org, actor, workbook, row, change.values,
            goal_ids=change.goal_ids, measure_ids=change.measure_ids,
        )  # fmt: skip
    for reading in readings:
        goal = db.session.scalar(
            Goal.select_for(org).where(Goal.id == reading.goal_id, Goal.workbook_id == workbook.id)
        )
        if goal is None:
            raise WorkspaceError(_("En av radene finnes ikke lenger i arbeidsboken."))
        planning.add_measurement(
            org, actor, workbook, goal, reading.measured_on, reading.value, reading.note
        )
    return workbook

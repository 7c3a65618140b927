"""What the audit log tells of each workspace row: every field a person can change, as people
read it (names, words, dd.mm.yyyy, kroner), for activity.changes to compare before and after.

Long texts are kept whole here; activity.changes turns a changed one into short excerpts
around the first difference, so the log never holds a megabyte of prose.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.workspace import labels
from portal.workspace.models import Benefit, BenefitMeasure, Goal, Measure, MeasureGoal, Risk

Row = Goal | Measure | Benefit | Risk


def label(row: Row) -> str:
    """The row's name in a sentence: its title, or the start of its description."""
    text = getattr(row, "title", None) or getattr(row, "description", "")
    return text if len(text) <= 80 else text[:79] + "…"


def display(row: Row) -> dict[str, Any]:
    """Every user-editable field of the row (links as the titles they point at)."""
    owner = {"owner": row.owner.name if row.owner else None}
    if isinstance(row, Goal):
        return {
            "title": row.title, "description": row.description,
            "business_goal": row.business_goal, "unit": row.indicator_unit,
            "baseline": num(row.baseline), "target": num(row.target),
            "target_date": day(row.target_date), **owner,
        }  # fmt: skip
    if isinstance(row, Measure):
        return {
            "title": row.title, "description": row.description,
            "status": labels.text(labels.MEASURE_STATUS, row.status),
            "priority": labels.text(labels.PRIORITY, row.priority), "effect": row.effect,
            "effort": row.effort, "investment": kroner(row.investment_nok),
            "operating": kroner(row.operating_nok), "start": day(row.start_date),
            "end": day(row.end_date), "milestones": _milestones(row.milestones),
            "goals": _linked(Goal, MeasureGoal.goal_id, MeasureGoal.measure_id, row.id), **owner,
        }  # fmt: skip
    if isinstance(row, Benefit):
        return {
            "text": row.description, "kind": labels.text(labels.BENEFIT_KIND, row.kind),
            "priced": _("ja") if row.priced else _("nei"), "amount": kroner(row.amount_nok),
            "goal": _title_of(row.goal_id),
            "measures": _linked(Measure, BenefitMeasure.measure_id, BenefitMeasure.benefit_id,
                                row.id),
            **owner,
        }  # fmt: skip
    return {
        "text": row.description, "probability": row.probability,
        "consequence": row.consequence, "mitigation": row.mitigation, **owner,
    }  # fmt: skip


def num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f").replace(".", ",")


def kroner(value: Decimal | None) -> str | None:
    return None if value is None else f"{num(value)} kr"


def day(value: date | None) -> str | None:
    return value.strftime("%d.%m.%Y") if value else None


def _milestones(milestones: list[dict[str, Any]] | None) -> list[str]:
    return [f"{day(date.fromisoformat(m['date']))} {m['title']}" for m in milestones or []]


def _linked(
    model: type[Goal] | type[Measure], other: Any, own: Any, own_id: int | None
) -> list[str]:
    if own_id is None:
        return []
    query = (
        select(model.title).join_from(model, other.class_, model.id == other).where(own == own_id)
    )
    return sorted(db.session.scalars(query))


def _title_of(goal_id: int | None) -> str | None:
    return db.session.scalar(select(Goal.title).where(Goal.id == goal_id)) if goal_id else None

"""A workbook read in a fixed number of statements, as plain data (dicts, lists, str, numbers).

Pages, charts, method checks, snapshots and exports all read this shape, so an adopted
snapshot (stored as this data) renders and compares exactly like the live workbook.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Text,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    union_all,
)

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.models import Organization
from portal.workspace.models import (
    Benefit,
    BenefitMeasure,
    Goal,
    Item,
    Measure,
    MeasureGoal,
    Measurement,
    Risk,
    SectionContent,
    Workbook,
)

# Items per (section key, box key); box None for lists.
ItemCounts = dict[tuple[str, str | None], int]

SCHEMA = 1  # bump when the shape changes; snapshots keep the schema they were taken with


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _owner(row: Any) -> dict[str, Any] | None:
    return {"id": row.owner.id, "name": row.owner.name} if row.owner is not None else None


def goal_rows(org: Organization, workbook: Workbook) -> list[dict[str, Any]]:
    """Goals with their latest measurement and progress, in one statement."""
    latest = (
        select(Measurement.value, Measurement.measured_on)
        .where(Measurement.goal_id == Goal.id)
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
        .limit(1)
        .correlate(Goal)
    )
    count = select(func.count(Measurement.id)).where(Measurement.goal_id == Goal.id)
    query = (
        select(
            Goal,
            latest.with_only_columns(Measurement.value).scalar_subquery(),
            latest.with_only_columns(Measurement.measured_on).scalar_subquery(),
            count.correlate(Goal).scalar_subquery(),
        )
        .where(Goal.org_id == org.id, Goal.workbook_id == workbook.id)
        .order_by(Goal.id)
    )
    result = []
    for goal, value, measured_on, n in db.session.execute(query):
        value = Decimal(value) if value is not None and not isinstance(value, Decimal) else value
        result.append(
            {
                "id": goal.id,
                "title": goal.title,
                "description": goal.description,
                "business_goal": goal.business_goal,
                "indicator_unit": goal.indicator_unit,
                "baseline": _num(goal.baseline),
                "target": _num(goal.target),
                "target_date": _day(goal.target_date),
                "owner": _owner(goal),
                "latest_value": _num(value),
                "latest_on": _day(measured_on),
                "measurement_count": n,
                "progress": goal.progress(value),
            }
        )
    return result


def measure_rows(
    org: Organization, workbook: Workbook, links: bool = False
) -> list[dict[str, Any]]:
    """Measures; `linked` says whether one has a goal. With links=True also the goal ids."""
    has_goal = exists().where(MeasureGoal.measure_id == Measure.id).correlate(Measure)
    query = (
        select(Measure, has_goal)
        .where(Measure.org_id == org.id, Measure.workbook_id == workbook.id)
        .order_by(Measure.start_date.is_(None), Measure.start_date, Measure.id)
    )
    goal_ids: dict[int, list[int]] = defaultdict(list)
    if links:
        link_query = (
            select(MeasureGoal.measure_id, MeasureGoal.goal_id)
            .join(Measure, Measure.id == MeasureGoal.measure_id)
            .where(MeasureGoal.org_id == org.id, Measure.workbook_id == workbook.id)
        )
        for measure_id, goal_id in db.session.execute(link_query):
            goal_ids[measure_id].append(goal_id)
    return [
        {
            "id": m.id,
            "title": m.title,
            "description": m.description,
            "owner": _owner(m),
            "priority": m.priority,
            "effect": m.effect,
            "effort": m.effort,
            "investment_nok": _num(m.investment_nok),
            "operating_nok": _num(m.operating_nok),
            "start_date": _day(m.start_date),
            "end_date": _day(m.end_date),
            "status": m.status,
            "milestones": list(m.milestones or []),
            "linked": bool(linked),
            "goal_ids": sorted(goal_ids.get(m.id, [])),
        }
        for m, linked in db.session.execute(query)
    ]


def benefit_rows(
    org: Organization, workbook: Workbook, links: bool = False
) -> list[dict[str, Any]]:
    measure_ids: dict[int, list[int]] = defaultdict(list)
    if links:
        link_query = (
            select(BenefitMeasure.benefit_id, BenefitMeasure.measure_id)
            .join(Benefit, Benefit.id == BenefitMeasure.benefit_id)
            .where(BenefitMeasure.org_id == org.id, Benefit.workbook_id == workbook.id)
        )
        for benefit_id, measure_id in db.session.execute(link_query):
            measure_ids[benefit_id].append(measure_id)
    query = Benefit.select_for(org).where(Benefit.workbook_id == workbook.id).order_by(Benefit.id)
    return [
        {
            "id": b.id,
            "description": b.description,
            "kind": b.kind,
            "priced": b.priced,
            "amount_nok": _num(b.amount_nok),
            "owner": _owner(b),
            "goal_id": b.goal_id,
            "measure_ids": sorted(measure_ids.get(b.id, [])),
        }
        for b in db.session.scalars(query)
    ]


def risk_rows(org: Organization, workbook: Workbook) -> list[dict[str, Any]]:
    query = Risk.select_for(org).where(Risk.workbook_id == workbook.id).order_by(Risk.id)
    return [
        {
            "id": r.id,
            "description": r.description,
            "probability": r.probability,
            "consequence": r.consequence,
            "mitigation": r.mitigation,
            "owner": _owner(r),
        }
        for r in db.session.scalars(query)
    ]


def section_rows(org: Organization, workbook: Workbook) -> list[dict[str, Any]]:
    """Template sections in order with their prose (HTML and Markdown) and version."""
    contents = {
        c.section_key: c
        for c in db.session.scalars(
            SectionContent.select_for(org).where(SectionContent.workbook_id == workbook.id)
        )
    }
    rows = []
    for section in workbook.template.sections:
        content = contents.get(section["key"])
        rows.append(
            {
                **section,
                "id": content.id if content else None,
                "prose_md": content.prose_md if content else "",
                "prose_html": content.prose_html if content else "",
            }
        )
    return rows


def item_rows(org: Organization, workbook: Workbook) -> list[dict[str, Any]]:
    query = Item.select_for(org).where(Item.workbook_id == workbook.id).order_by(Item.id)
    return [
        {
            "id": i.id,
            "section_key": i.section_key,
            "box_key": i.box_key,
            "title": i.title,
            "text": i.text,
            "influence": i.influence,
            "interest": i.interest,
        }
        for i in db.session.scalars(query)
    ]


def measurement_rows(org: Organization, workbook: Workbook) -> dict[int, list[dict[str, Any]]]:
    """Every reading of the workbook's goals, oldest first, by goal id."""
    query = (
        select(Measurement)
        .join(Goal, and_(Goal.id == Measurement.goal_id, Goal.workbook_id == workbook.id))
        .where(Measurement.org_id == org.id)
        .order_by(Measurement.measured_on, Measurement.id)
    )
    readings: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in db.session.scalars(query):
        readings[m.goal_id].append(
            {"date": m.measured_on.isoformat(), "value": float(m.value), "note": m.note}
        )
    return readings


def workbook_header(workbook: Workbook) -> dict[str, Any]:
    template = workbook.template
    return {
        "id": workbook.id,
        "title": workbook.title,
        "status": workbook.status,
        "period_from": workbook.period_from,
        "period_to": workbook.period_to,
        "template": {
            "key": template.key,
            "version": template.version,
            "name": template.data["name"],
        },
    }


def full(org: Organization, workbook: Workbook) -> dict[str, Any]:
    """The whole workbook as plain data (for snapshots, comparison and exports)."""
    goals = goal_rows(org, workbook)
    readings = measurement_rows(org, workbook)
    for goal in goals:
        goal["measurements"] = readings.get(goal["id"], [])
    return {
        "schema": SCHEMA,
        "workbook": workbook_header(workbook),
        "sections": section_rows(org, workbook),
        "items": item_rows(org, workbook),
        "goals": goals,
        "measures": measure_rows(org, workbook, links=True),
        "benefits": benefit_rows(org, workbook, links=True),
        "risks": risk_rows(org, workbook),
    }


def overview(org: Organization, workbook: Workbook) -> dict[str, Any]:
    """What the workbook overview and its method panel need (no measurements, no links beyond
    "has a goal", no section HTML): four statements whatever the workbook's size."""
    return overview_and_counts(org, workbook)[0]


def overview_and_counts(org: Organization, workbook: Workbook) -> tuple[dict[str, Any], ItemCounts]:
    """`overview` and the items per (section, box), in the same four statements."""
    sections, counts = section_rows_with_counts(org, workbook)
    benefits, risks = register_rows(org, workbook)
    data = {
        "schema": SCHEMA,
        "workbook": workbook_header(workbook),
        "sections": sections,
        "goals": goal_rows(org, workbook),
        "measures": measure_rows(org, workbook),
        "benefits": benefits,
        "risks": risks,
    }
    return data, counts


def section_rows_with_counts(
    org: Organization, workbook: Workbook
) -> tuple[list[dict[str, Any]], ItemCounts]:
    """Template sections in order with their prose (Markdown only), and how many items each
    (section, box) holds, in one statement: the sections outer-joined with the counts."""
    counts = (
        select(Item.section_key, Item.box_key, func.count().label("n"))
        .where(Item.org_id == org.id, Item.workbook_id == workbook.id)
        .group_by(Item.section_key, Item.box_key)
        .subquery()
    )
    query = (
        select(SectionContent.id, SectionContent.section_key, SectionContent.prose_md,
               counts.c.box_key, counts.c.n)
        .outerjoin(counts, counts.c.section_key == SectionContent.section_key)
        .where(SectionContent.org_id == org.id, SectionContent.workbook_id == workbook.id)
    )  # fmt: skip
    contents: dict[str, tuple[int, str]] = {}
    items: ItemCounts = {}
    for content_id, key, prose_md, box_key, n in db.session.execute(query):
        contents[key] = (content_id, prose_md)
        if n:
            items[(key, box_key)] = n
    rows = []
    for section in workbook.template.sections:
        content_id, prose_md = contents.get(section["key"], (None, ""))
        rows.append({**section, "id": content_id, "prose_md": prose_md})
    return rows, items


def register_rows(
    org: Organization, workbook: Workbook
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Benefits and risks (as benefit_rows and risk_rows give them, without links) in one
    statement: a UNION ALL of the two registers over the columns either needs."""

    def nothing(kind: Any) -> Any:
        return cast(null(), kind)

    benefits = (
        # Every column labelled: SQLite orders a compound select by the labels only.
        select(literal("benefit").label("register"), Benefit.id.label("id"), Benefit.description,
               Benefit.kind, Benefit.priced, Benefit.amount_nok, Benefit.goal_id,
               nothing(Integer).label("probability"), nothing(Integer).label("consequence"),
               nothing(Text).label("mitigation"), User.id.label("owner_id"), User.name)
        .outerjoin(User, User.id == Benefit.owner_id)
        .where(Benefit.org_id == org.id, Benefit.workbook_id == workbook.id)
    )  # fmt: skip
    risks = (
        select(literal("risk"), Risk.id, Risk.description, nothing(String), nothing(Boolean),
               nothing(Benefit.amount_nok.type), nothing(Integer), Risk.probability,
               Risk.consequence, Risk.mitigation, User.id, User.name)
        .outerjoin(User, User.id == Risk.owner_id)
        .where(Risk.org_id == org.id, Risk.workbook_id == workbook.id)
    )  # fmt: skip
    query = union_all(benefits, risks).order_by("register", "id")
    benefit_list: list[dict[str, Any]] = []
    risk_list: list[dict[str, Any]] = []
    for row in db.session.execute(query):
        owner = {"id": row.owner_id, "name": row.name} if row.owner_id is not None else None
        if row.register == "benefit":
            benefit_list.append({
                "id": row.id, "description": row.description, "kind": row.kind,
                "priced": bool(row.priced), "amount_nok": _num(row.amount_nok), "owner": owner,
                "goal_id": row.goal_id, "measure_ids": [],
            })  # fmt: skip
        else:
            risk_list.append({
                "id": row.id, "description": row.description, "probability": row.probability,
                "consequence": row.consequence, "mitigation": row.mitigation, "owner": owner,
            })  # fmt: skip
    return benefit_list, risk_list


def dashboard(org: Organization, workbook: Workbook) -> dict[str, Any]:
    """What the dashboard's charts need."""
    return {
        "schema": SCHEMA,
        "workbook": workbook_header(workbook),
        "goals": goal_rows(org, workbook),
        "measures": measure_rows(org, workbook),
        "risks": risk_rows(org, workbook),
    }

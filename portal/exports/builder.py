"""Adapts the workspace's workbooks (and snapshots) into the export document model.

The workspace describes a workbook as plain data (`portal.workspace.documents.full`, which an
adopted snapshot stores as it was); `document_from_data` turns that shape into a Document.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.exports.document import (
    KIND_GRID,
    KIND_ITEMS,
    DocBenefit,
    DocBox,
    DocGoal,
    DocMeasure,
    DocMeasurement,
    DocMilestone,
    DocRisk,
    DocSection,
    Document,
)
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from portal.workspace import charts
from portal.workspace import service as workspace


class WorkbookNotFound(LookupError):
    """No such workbook in this organisation, or no such snapshot of it."""

    def __init__(self) -> None:
        super().__init__(_("Fant ikke arbeidsboken eller versjonen i denne organisasjonen."))


def _data(org: Organization, workbook_id: int, snapshot_id: int | None) -> dict[str, Any]:
    try:
        return workspace.workbook_document_data(org, workbook_id, snapshot_id)
    except LookupError as exc:
        raise WorkbookNotFound() from exc


def workbook_title(org: Organization, workbook_id: int, snapshot_id: int | None) -> str:
    """The title to show for an export of this workbook (and snapshot); WorkbookNotFound if the
    workbook is not the organisation's or the snapshot not the workbook's."""
    data = _data(org, workbook_id, snapshot_id)
    title = str(data.get("workbook", {}).get("title", ""))
    snapshot = data.get("snapshot")
    return f"{title} – {snapshot['name']}" if snapshot else title


def workbook_ids(org: Organization) -> list[int]:
    """Every workbook of the organisation (for its data export)."""
    return [workbook.id for workbook in workspace.workbooks(org)]


def charts_for(data: dict[str, Any], language: str) -> dict[str, str]:
    """The dashboard's own charts, drawn by the workspace from the same data."""
    header = data.get("workbook", {})
    with force_locale(language):
        return {
            "goal_progress": str(charts.goal_progress(data.get("goals", []))),
            "effect_effort": str(charts.effect_effort(data.get("measures", []))),
            "roadmap": str(
                charts.roadmap(
                    data.get("measures", []), header.get("period_from"), header.get("period_to")
                )
            ),
            "risk_matrix": str(charts.risk_matrix(data.get("risks", []))),
        }


def build_document(
    org: Organization, workbook_id: int, snapshot_id: int | None, language: str
) -> Document:
    """The document for one workbook, or one of its snapshots, of `org`."""
    data = _data(org, workbook_id, snapshot_id)
    snapshot = data.get("snapshot")
    return document_from_data(
        data, org.name, language, utcnow(),
        snapshot_name=snapshot["name"] if snapshot else None,
        charts=charts_for(data, language),
    )  # fmt: skip


# --- From the workspace's plain data ---------------------------------------------------------


def _text(value: Any, language: str) -> str:
    """A template text ({"nb": …, "en": …}) or a plain string, in the language asked for."""
    if isinstance(value, dict):
        return str(value.get(language) or value.get("nb") or next(iter(value.values()), ""))
    return str(value or "")


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _number(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _owner(value: Any) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else str(value or "")


def _goal(row: dict[str, Any]) -> DocGoal:
    progress = row.get("progress")
    return DocGoal(
        id=row["id"], title=row.get("title", ""), description=row.get("description") or "",
        business_goal=row.get("business_goal") or "", unit=row.get("indicator_unit") or "",
        baseline=_number(row.get("baseline")), target=_number(row.get("target")),
        target_date=_day(row.get("target_date")), owner=_owner(row.get("owner")),
        progress_pct=None if progress is None else float(progress) * 100,
        measurements=[
            DocMeasurement(date=_day(m["date"]) or date.min, value=Decimal(str(m["value"])),
                           note=m.get("note") or "")
            for m in row.get("measurements", [])
        ],
    )  # fmt: skip


def _measure(row: dict[str, Any]) -> DocMeasure:
    return DocMeasure(
        id=row["id"], title=row.get("title", ""), description=row.get("description") or "",
        owner=_owner(row.get("owner")), priority=row.get("priority"), effect=row.get("effect"),
        effort=row.get("effort"), investment_nok=_number(row.get("investment_nok")),
        operating_nok=_number(row.get("operating_nok")), start=_day(row.get("start_date")),
        end=_day(row.get("end_date")), status=row.get("status") or "planned",
        goal_ids=list(row.get("goal_ids", [])),
        milestones=[
            DocMilestone(title=m.get("title", ""), date=_day(m.get("date")),
                         done=bool(m.get("done")))
            for m in row.get("milestones") or []
        ],
    )  # fmt: skip


def _benefit(row: dict[str, Any]) -> DocBenefit:
    return DocBenefit(
        id=row["id"], description=row.get("description", ""), type=row.get("kind") or "efficiency",
        priced=bool(row.get("priced")), amount_nok=_number(row.get("amount_nok")),
        owner=_owner(row.get("owner")), measure_ids=list(row.get("measure_ids", [])),
        indicator=row.get("indicator") or "",
    )  # fmt: skip


def _risk(row: dict[str, Any]) -> DocRisk:
    return DocRisk(
        id=row["id"], description=row.get("description", ""), probability=row.get("probability"),
        consequence=row.get("consequence"), mitigation=row.get("mitigation") or "",
        owner=_owner(row.get("owner")),
    )  # fmt: skip


def document_from_data(
    data: dict[str, Any],
    org_name: str,
    language: str,
    generated_at: datetime,
    snapshot_name: str | None = None,
    charts: dict[str, str] | None = None,
) -> Document:
    """The Document for a workbook described as the workspace's plain data."""
    header = data.get("workbook", {})
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in data.get("items", []):
        items[item["section_key"]].append(item)
    parts = {
        "goals": [_goal(row) for row in data.get("goals", [])],
        "measures": [_measure(row) for row in data.get("measures", [])],
        "benefits": [_benefit(row) for row in data.get("benefits", [])],
        "risks": [_risk(row) for row in data.get("risks", [])],
    }
    sections = []
    for row in data.get("sections", []):
        kind = row.get("kind", "prose")
        section = DocSection(
            key=row["key"], title=_text(row.get("title"), language), kind=kind,
            prose_html=row.get("prose_html") or "", prose_markdown=row.get("prose_md") or "",
        )  # fmt: skip
        mine = items.get(row["key"], [])
        if kind == KIND_GRID:
            section.boxes = [
                DocBox(_text(box.get("title"), language),
                       [i["title"] for i in mine if i.get("box_key") == box["key"]])
                for box in row.get("boxes", [])
            ]  # fmt: skip
        elif kind == KIND_ITEMS or mine:
            section.items = [i["title"] for i in mine]
        if kind in parts:
            setattr(section, kind, parts.pop(kind))
        sections.append(section)
    return Document(
        org_name=org_name,
        title=header.get("title", ""),
        template_name=_text(header.get("template", {}).get("name"), language),
        period_from=header.get("period_from"),
        period_to=header.get("period_to"),
        status=header.get("status", "draft"),
        snapshot_name=snapshot_name,
        generated_at=generated_at,
        language=language,
        sections=sections,
        charts=dict(charts or {}),
    )

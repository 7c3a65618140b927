"""How complete a workbook is: each section's share done, for one workbook or many at once."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import String, cast, func, literal, null, select, union_all

from portal.extensions import db
from portal.orgs.models import Organization
from portal.workspace.models import Benefit, Goal, Item, Measure, Risk, SectionContent, Workbook

ROW_KINDS = {"goals": Goal, "measures": Measure, "benefits": Benefit, "risks": Risk}

# counts[(section_key, box_key)] for items, counts[(kind, None)] for goals, measures …
Counts = dict[tuple[str, str | None], int]
# What a row of completion()'s statement counts.
_PROSE, _ITEMS, _ROWS = "prose", "items", "rows"


def section_share(section: dict[str, Any], prose_filled: bool, counts: Counts) -> float:
    """0-1: prose sections need text; lists an item; grids an item in every box; the
    structured kinds at least one row."""
    kind = section["kind"]
    if kind == "prose":
        return 1.0 if prose_filled else 0.0
    if kind in ("items", "stakeholders"):
        return 1.0 if counts.get((section["key"], None), 0) else 0.0
    if kind == "grid":
        boxes = section.get("boxes", [])
        if not boxes:
            return 0.0
        return sum(1 for b in boxes if counts.get((section["key"], b["key"]), 0)) / len(boxes)
    return 1.0 if counts.get((kind, None), 0) else 0.0


def share(shares: dict[str, float]) -> float:
    return sum(shares.values()) / len(shares) if shares else 0.0


def counts_from_data(data: dict[str, Any], item_counts: Counts) -> Counts:
    counts = dict(item_counts)
    for kind in ROW_KINDS:
        counts[(kind, None)] = len(data.get(kind, []))
    return counts


def completion(org: Organization, workbooks: list[Workbook]) -> dict[int, float]:
    """Share done (0-1) of each workbook, in one statement whatever their number: a UNION ALL
    of the sections with prose, the items per (section, box) and the rows of each kind."""
    ids = [w.id for w in workbooks]
    if not ids:
        return {}
    no_box = cast(null(), String)
    parts = [
        select(SectionContent.workbook_id, literal(_PROSE), SectionContent.section_key, no_box,
               literal(1))
        .where(SectionContent.org_id == org.id, SectionContent.workbook_id.in_(ids),
               SectionContent.prose_md != ""),
        select(Item.workbook_id, literal(_ITEMS), Item.section_key, Item.box_key, func.count())
        .where(Item.org_id == org.id, Item.workbook_id.in_(ids))
        .group_by(Item.workbook_id, Item.section_key, Item.box_key),
        *[
            select(model.workbook_id, literal(_ROWS), literal(kind), no_box, func.count())
            .where(model.org_id == org.id, model.workbook_id.in_(ids))
            .group_by(model.workbook_id)
            for kind, model in ROW_KINDS.items()
        ],
    ]  # fmt: skip
    filled: set[tuple[int, str]] = set()
    counts: dict[int, Counts] = defaultdict(dict)
    for workbook_id, what, key, box, n in db.session.execute(union_all(*parts)):
        if what == _PROSE:
            filled.add((workbook_id, key))
        else:
            counts[workbook_id][(key, box)] = n
    result = {}
    for workbook in workbooks:
        shares = {
            s["key"]: section_share(s, (workbook.id, s["key"]) in filled, counts[workbook.id])
            for s in workbook.template.sections
        }
        result[workbook.id] = share(shares)
    return result

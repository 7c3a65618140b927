"""Excel back in: compare an upload's rows with the workbook as it is, and say what applying it
would create, change and leave alone — or, in words, why it cannot be applied.

Nothing here writes. Each created or changed row carries the typed values to write (only the
changed ones for a changed row), so the confirm step writes exactly what the preview showed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.exports import labels
from portal.exports import xlsx_layout as layout
from portal.exports.document import Document
from portal.exports.importer import Parsed, Row, where

# What the workspace stores (its columns and form limits); more would be refused by the
# database, so it is a problem in words here instead.
LIMIT = Decimal("1e12")
TEXT_LIMITS = {"title": 300, "unit": 60}
LONG_TEXT = 100_000
PRIORITIES = (1, 2, 3)
# An empty cell in a column the workspace always fills means its default, as in the forms.
DEFAULTS: dict[str, dict[str, Any]] = {
    "measures": {"priority": 2, "status": "planned"},
    "benefits": {"type": "efficiency", "priced": False},
}


@dataclass
class Change:
    sheet: str
    row: int
    id: int | None
    title: str
    # Field label → (before, after), for changed rows.
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Layout column key → the typed value to write (every column of a new row, the changed
    # ones of a changed row; `owner` is a member's user id or None).
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Preview:
    created: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def empty(self) -> bool:
        return not (self.created or self.changed)


# Lower-cased name or e-mail → the user ids of the members known by it.
Members = dict[str, list[int]]


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return labels.yes_no(value)
    if isinstance(value, date):
        return labels.day(value)
    if isinstance(value, Decimal):
        return labels.number(value)
    return "" if value is None else str(value)


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, bool) or isinstance(after, bool):
        return before == after
    if isinstance(before, Decimal | int | float) and isinstance(after, Decimal | int | float):
        return Decimal(str(before)) == Decimal(str(after))
    if isinstance(before, str) and isinstance(after, str):
        # Leading and trailing blanks (a tab, a line break) are no edit worth a change.
        return before.strip() == after.strip()
    if before in (None, "", []) and after in (None, "", []):
        return True
    if isinstance(before, list) and isinstance(after, list):
        return sorted(before) == sorted(after)
    return before == after


def _existing(doc: Document) -> dict[str, dict[int, dict[str, Any]]]:
    return {
        "goals": {g.id: vars(g) for g in doc.goals},
        "measures": {m.id: vars(m) for m in doc.measures},
        "benefits": {b.id: vars(b) for b in doc.benefits},
        "risks": {r.id: vars(r) for r in doc.risks},
    }


def _normalised(
    sheet: layout.Sheet, values: dict[str, Any], before: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The row's values as the workspace would store them: defaults for empty required
    columns (of a new row, or one that has a value now), amounts to øre and indicator values
    to four decimals, no amount unless priced."""
    values = dict(values)
    for key, default in DEFAULTS.get(sheet.key, {}).items():
        known = before is None or before.get(key) is not None
        if key in values and values[key] is None and known:
            values[key] = default
    for column in sheet.columns:
        value = values.get(column.key)
        if isinstance(value, Decimal) and abs(value) < LIMIT:
            places = Decimal("0.01") if column.kind == layout.NOK else Decimal("0.0001")
            values[column.key] = value.quantize(places)
    if sheet is layout.BENEFITS and values.get("priced") is False:
        values["amount_nok"] = None
    return values


def _rule_problems(sheet: layout.Sheet, merged: dict[str, Any], place: str) -> list[str]:
    """What the workspace would refuse in the row as it would be after the import."""
    problems = []
    for column in sheet.columns:
        value = merged.get(column.key)
        if column.read_only or value is None:
            continue
        if isinstance(value, Decimal) and abs(value) >= LIMIT:
            problems.append(_("%(where)s: %(col)s er for stort.", where=place, col=column.label()))
        elif column.kind == layout.NOK and value < 0:
            problems.append(
                _("%(where)s: %(col)s kan ikke være negativt.", where=place, col=column.label())
            )
        elif isinstance(value, str) and len(value) > TEXT_LIMITS.get(column.key, LONG_TEXT):
            problems.append(
                _("%(where)s: %(col)s kan være høyst %(n)s tegn.", where=place,
                  col=column.label(), n=TEXT_LIMITS.get(column.key, LONG_TEXT))
            )  # fmt: skip
    if sheet is layout.MEASURES:
        if merged.get("priority") not in (*PRIORITIES, None):
            problems.append(_("%(where)s: Prioritet må være 1, 2 eller 3.", where=place))
        start, end = merged.get("start"), merged.get("end")
        if start is not None and end is not None and end < start:
            problems.append(_("%(where)s: Slutt kan ikke være før start.", where=place))
    if sheet is layout.RISKS:
        for key in ("probability", "consequence"):
            if merged.get(key) is None:
                column = next(c for c in sheet.columns if c.key == key)
                problems.append(
                    _("%(where)s: %(col)s må fylles ut.", where=place, col=column.label())
                )
    return problems


def _owner(value: Any, members: Members | None, place: str, problems: list[str]) -> int | None:
    """The member a name or e-mail in the owner column means (None when empty)."""
    text = str(value or "").strip()
    if not text:
        return None
    ids = (members or {}).get(text.lower(), [])
    if len(set(ids)) == 1:
        return ids[0]
    if ids:
        problems.append(
            _("%(where)s: flere medlemmer heter «%(name)s». Skriv e-postadressen i stedet.",
              where=place, name=text)
        )  # fmt: skip
    else:
        problems.append(
            _("%(where)s: «%(name)s» er ikke medlem av organisasjonen.", where=place, name=text)
        )
    return None


def _writable(sheet: layout.Sheet) -> list[layout.Column]:
    return [c for c in sheet.columns if not c.read_only and c.key != "id"]


def preview(doc: Document, parsed: Parsed, members: Members | None = None) -> Preview:
    """What applying the upload to the workbook would create, change and leave alone.

    A row's id must be one of this workbook's rows (another workbook's or organisation's id is
    a problem, never a match); read-only columns (progress, risk score) are ignored; an owner
    must be a member (by name or e-mail) and the result must be what the workspace accepts.
    """
    result = Preview(problems=list(parsed.problems))
    existing = _existing(doc)
    goal_ids = set(existing["goals"])
    measure_ids = set(existing["measures"])
    units = {g.id: g.unit for g in doc.goals}
    for row in parsed.rows.get("goals", []):
        if row.id in units and row.values.get("unit") is not None:
            units[row.id] = str(row.values["unit"])
    for sheet in layout.SHEETS:
        twins = _twins(sheet, parsed.rows.get(sheet.key, []), existing.get(sheet.key, {}))
        seen: set[int] = set()
        for row in parsed.rows.get(sheet.key, []):
            place = where(sheet.title(), row.number)
            if sheet is layout.MEASUREMENTS:
                _measurement(doc, row, place, units, result)
                continue
            if row.id is not None and row.id in seen:
                result.problems.append(
                    _("%(where)s: ID %(id)s står allerede på en rad over.", where=place, id=row.id)
                )
                continue
            seen.add(row.id or 0)
            title = _title(row.values)
            for key, known, name in (("goal_ids", goal_ids, _("mål")),
                                     ("measure_ids", measure_ids, _("tiltak"))):  # fmt: skip
                unknown = [i for i in row.values.get(key) or [] if i not in known]
                if unknown:
                    result.problems.append(
                        _("%(where)s: %(kind)s med ID %(ids)s finnes ikke i arbeidsboken.",
                          where=place, kind=name, ids=_shown(unknown))
                    )  # fmt: skip
            if not title.strip():
                result.problems.append(
                    _("%(where)s mangler tittel eller beskrivelse.", where=place)
                )
                continue
            twin = twins.get(row.number)
            if twin is not None:
                row = Row(row.sheet, row.number, {**row.values, "id": twin})
            before = {} if row.id is None else existing[sheet.key].get(row.id)
            if before is None:
                result.problems.append(
                    _("%(where)s: ID %(id)s finnes ikke i denne arbeidsboken.", where=place,
                      id=row.id)
                )  # fmt: skip
                continue
            _compare(sheet, row, before, place, members, result)
    return result


def _title(values: dict[str, Any]) -> str:
    return str(values.get("title") or values.get("description") or "")


def _twins(
    sheet: layout.Sheet, rows: list[Row], existing: dict[int, dict[str, Any]]
) -> dict[int, int]:
    """Row number → the id of an existing row a row without id is taken to be: one with the
    same title that no row of the file names by its id (oldest first). So the same file
    imported twice creates its new rows once."""
    named = {row.id for row in rows if row.id is not None}
    free: dict[str, list[int]] = {}
    for ident, values in sorted(existing.items()):
        if ident not in named:
            free.setdefault(_title(values).strip(), []).append(ident)
    twins = {}
    for row in rows:
        title = _title(row.values).strip()
        if row.id is None and title and free.get(title):
            twins[row.number] = free[title].pop(0)
    return twins


def _compare(
    sheet: layout.Sheet,
    row: Row,
    before: dict[str, Any],
    place: str,
    members: Members | None,
    result: Preview,
) -> None:
    values = _normalised(sheet, row.values, before if row.id is not None else None)
    title = _title(values)
    change = Change(sheet.key, row.number, row.id, title)
    for column in _writable(sheet):
        if column.key not in values:
            continue
        old, new = before.get(column.key), values[column.key]
        if row.id is None or not _same(old, new):
            if row.id is not None:
                change.fields[column.label()] = (_shown(old), _shown(new))
            change.values[column.key] = new
    if row.id is not None and not change.fields:
        result.unchanged += 1
        return
    merged = {**before, **values}
    if row.id is None:
        merged = {**_normalised(sheet, {k: None for k in DEFAULTS.get(sheet.key, {})}), **values}
    problems = _rule_problems(sheet, merged, place)
    if "owner" in change.values:
        change.values["owner"] = _owner(change.values["owner"], members, place, problems)
    result.problems.extend(problems)
    (result.created if row.id is None else result.changed).append(change)


def _measurement(
    doc: Document, row: Row, place: str, units: dict[int, str], result: Preview
) -> None:
    goal = next((g for g in doc.goals if g.id == row.values.get("goal_id")), None)
    if goal is None:
        result.problems.append(_("%(where)s: målet finnes ikke i arbeidsboken.", where=place))
        return
    reading, value = row.values.get("date"), row.values.get("value")
    if reading is None or value is None:
        result.problems.append(_("%(where)s: en måling trenger dato og verdi.", where=place))
        return
    if abs(value) >= LIMIT:
        result.problems.append(_("%(where)s: Verdi er for stort.", where=place))
        return
    value = value.quantize(Decimal("0.0001"))
    if any(m.date == reading and _same(m.value, value) for m in goal.measurements):
        result.unchanged += 1
        return
    if not units.get(goal.id):
        result.problems.append(
            _("%(where)s: gi målet en indikator (enhet) før du legger inn målinger.", where=place)
        )
        return
    # Measurements are append-only: a new or corrected reading is a new row.
    result.created.append(
        Change("measurements", row.number, None,
               _("Måling av «%(goal)s»: %(value)s (%(day)s)", goal=goal.title,
                 value=labels.number(value.normalize()), day=labels.day(reading)),
               values={"goal_id": goal.id, "date": reading, "value": value,
                       "note": row.values.get("note") or ""})
    )  # fmt: skip

"""The workbook as an Excel file: one sheet per structured part, typed cells, no live formulas."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from portal.exports import labels
from portal.exports import xlsx_layout as layout
from portal.exports.document import BENEFIT_TYPES, MEASURE_STATUSES, Document

# Text starting with one of these is what spreadsheets treat as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOK_FORMAT = '#,##0 "kr"'
HEADER_FILL = PatternFill("solid", fgColor="1E5B4F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
# Validation reaches this many rows below the data, so rows added in Excel are checked too.
SPARE_ROWS = 500


def _put_text(cell: Cell, text: str | None) -> None:
    value = labels.xml_safe(text)
    cell.value = value
    # Always a plain string, never a formula: openpyxl would store "=…" as one.
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        # The quote prefix keeps it text even after someone edits the cell in Excel.
        cell.quotePrefix = True


def _put(cell: Cell, kind: str, value: Any, date_format: str) -> None:
    if value is None or value == "":
        cell.value = None
        return
    if kind == layout.TEXT:
        _put_text(cell, str(value))
    elif kind in (layout.ID, layout.INT, layout.SCALE):
        cell.value = int(value)
    elif kind == layout.NUMBER:
        cell.value = value if isinstance(value, int | float) else Decimal(value)
        cell.number_format = "#,##0.##"
    elif kind == layout.NOK:
        cell.value = value if isinstance(value, int | float) else Decimal(value)
        cell.number_format = NOK_FORMAT
    elif kind == layout.DATE:
        cell.value = value
        cell.number_format = date_format
    elif kind == layout.PERCENT:
        cell.value = float(value) / 100
        cell.number_format = "0%"
    elif kind == layout.STATUS:
        _put_text(cell, labels.measure_status(value))
    elif kind == layout.BENEFIT_TYPE:
        _put_text(cell, labels.benefit_type(value))
    elif kind == layout.BOOL:
        _put_text(cell, labels.yes_no(bool(value)))
    elif kind == layout.IDS:
        _put_text(cell, ", ".join(str(i) for i in value))


def _rows(doc: Document, sheet: layout.Sheet) -> list[dict[str, Any]]:
    if sheet is layout.GOALS:
        return [vars(goal) for goal in doc.goals]
    if sheet is layout.MEASUREMENTS:
        return [
            {"goal_id": goal.id, "goal": goal.title, **vars(m)}
            for goal in doc.goals
            for m in goal.measurements
        ]
    if sheet is layout.MEASURES:
        return [vars(measure) for measure in doc.measures]
    if sheet is layout.BENEFITS:
        return [vars(benefit) for benefit in doc.benefits]
    return [{**vars(risk), "score": risk.score} for risk in doc.risks]


def _validations(ws: Worksheet, sheet: layout.Sheet, last_row: int) -> None:
    lists = {
        layout.STATUS: [labels.measure_status(code) for code in MEASURE_STATUSES],
        layout.BENEFIT_TYPE: [labels.benefit_type(code) for code in BENEFIT_TYPES],
        layout.BOOL: [labels.yes_no(True), labels.yes_no(False)],
    }
    for index, column in enumerate(sheet.columns, 1):
        letter = get_column_letter(index)
        area = f"{letter}2:{letter}{last_row}"
        if column.kind == layout.SCALE:
            rule = DataValidation(type="whole", operator="between", formula1="1", formula2="5")
            rule.error = _("Skriv et helt tall fra 1 til 5.")
        elif column.kind in lists:
            rule = DataValidation(type="list", formula1='"' + ",".join(lists[column.kind]) + '"')
            rule.error = _("Velg en av verdiene i listen.")
        elif column.kind == layout.DATE:
            rule = DataValidation(type="date", operator="greaterThan", formula1="1")
            rule.error = _("Skriv en dato.")
        else:
            continue
        rule.allow_blank = True
        rule.showErrorMessage = True
        rule.errorTitle = column.label()
        rule.add(area)
        ws.add_data_validation(rule)


def _sheet(wb: Workbook, doc: Document, sheet: layout.Sheet, date_format: str) -> None:
    ws = wb.create_sheet(sheet.title())
    for index, column in enumerate(sheet.columns, 1):
        cell = ws.cell(row=1, column=index)
        _put_text(cell, column.label())
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    rows = _rows(doc, sheet)
    for row_number, row in enumerate(rows, 2):
        for index, column in enumerate(sheet.columns, 1):
            _put(
                ws.cell(row=row_number, column=index), column.kind, row.get(column.key), date_format
            )
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{max(len(rows) + 1, 2)}"
    _validations(ws, sheet, len(rows) + 1 + SPARE_ROWS)


def _about(wb: Workbook, doc: Document) -> None:
    ws = wb.active
    ws.title = _("Om")
    facts = [
        (_("Organisasjon"), doc.org_name),
        (_("Arbeidsbok"), doc.title),
        (_("Mal"), doc.template_name),
        (_("Planperiode"), doc.period),
        (_("Status"), labels.workbook_status(doc.status)),
        (_("Versjon"), doc.snapshot_name or _("Gjeldende utkast")),
        (_("Laget"), labels.moment(doc.generated_at)),
    ]
    for row, (label, value) in enumerate(facts, 1):
        _put_text(ws.cell(row=row, column=1), label)
        ws.cell(row=row, column=1).font = Font(bold=True)
        _put_text(ws.cell(row=row, column=2), value)
    note = _(
        "Rediger gjerne arken og last den opp igjen til arbeidsboken. La ID-kolonnene stå: "
        "de knytter radene til det som finnes. En rad uten ID blir ny."
    )
    _put_text(ws.cell(row=len(facts) + 2, column=1), note)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60


def render_xlsx(doc: Document) -> bytes:
    """The document as an .xlsx file (openpyxl)."""
    with force_locale(doc.language):
        date_format = "dd.mm.yyyy" if doc.language == "nb" else "yyyy-mm-dd"
        wb = Workbook()
        _about(wb, doc)
        for sheet in layout.SHEETS:
            _sheet(wb, doc, sheet, date_format)
        wb.properties.title = labels.xml_safe(doc.title)[:255]
        wb.properties.creator = "Veivalg"
        buffer = io.BytesIO()
        wb.save(buffer)
    return buffer.getvalue()

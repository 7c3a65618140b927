"""Excel back in: read an upload in the export's layout, safely, into typed rows.

Nothing here writes: `read_workbook` turns bytes into typed rows (or problems in words);
`import_preview.preview` compares them with the workbook as it is.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook

from portal.content.rendering import strip_text
from portal.exports import labels
from portal.exports import xlsx_layout as layout
from portal.exports.document import BENEFIT_TYPES, MEASURE_STATUSES

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # a zip bomb unpacks to far more
MAX_ENTRIES = 200
MAX_ROWS = 5000  # per sheet
MAX_CELLS = 200_000

_DATE_TEXT = re.compile(r"^\s*(?:(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2}))\s*$")


class ImportRefused(ValueError):
    """The whole file is refused (not an XLSX, too big, formulas …); a sentence for the user."""


@dataclass
class Row:
    sheet: str  # layout sheet key
    number: int  # the row number in Excel
    values: dict[str, Any]

    @property
    def id(self) -> int | None:
        return self.values.get("id")


@dataclass
class Parsed:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _check_archive(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportRefused(_("Filen er for stor (høyst 2 MB)."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRefused(_("Filen er ikke en Excel-fil (.xlsx)."))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
            raise ImportRefused(_("Filen pakker seg ut til mer enn en Excel-fil kan være."))
        if "xl/workbook.xml" not in archive.namelist():
            raise ImportRefused(_("Filen er ikke en Excel-fil (.xlsx)."))


def where(sheet: str, number: int) -> str:
    return _("Rad %(row)s i «%(sheet)s»", row=number, sheet=sheet)


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    # Norwegian decimal comma (12,5) and thousands with spaces (1 250 000) are numbers too.
    if re.fullmatch(r"-?\d+(,\d+)?", text):
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError from exc


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE_TEXT.match(str(value))
    if not match:
        raise ValueError
    if match.group(1):
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return date(int(match.group(4)), int(match.group(5)), int(match.group(6)))


def _choice(value: Any, codes: tuple[str, ...], label: Any) -> str:
    text = str(value).strip().lower()
    for locale in ("nb", "en"):
        with force_locale(locale):
            for code in codes:
                if text in (code, label(code).lower()):
                    return code
    raise ValueError


def _value(column: layout.Column, value: Any) -> Any:
    """The cell as the column's type; ValueError with no message if it is not."""
    kind = column.kind
    if value is None or (isinstance(value, str) and not value.strip()):
        return [] if kind == layout.IDS else None
    if kind == layout.TEXT:
        # As the workspace's forms take plain fields: no tags, no control characters.
        return strip_text(labels.xml_safe(str(value)))
    if kind in (layout.ID, layout.INT, layout.SCALE):
        number = _number(value)
        if number != number.to_integral_value() or number < (1 if kind != layout.INT else 0):
            raise ValueError
        if kind == layout.SCALE and number > 5:
            raise ValueError
        return int(number)
    if kind in (layout.NUMBER, layout.NOK):
        return _number(value)
    if kind == layout.DATE:
        return _date(value)
    if kind == layout.STATUS:
        return _choice(value, MEASURE_STATUSES, labels.measure_status)
    if kind == layout.BENEFIT_TYPE:
        return _choice(value, BENEFIT_TYPES, labels.benefit_type)
    if kind == layout.BOOL:
        return _choice(value, ("yes", "no"), lambda c: labels.yes_no(c == "yes")) == "yes"
    if kind == layout.IDS:
        return [int(_number(part)) for part in re.split(r"[,;\s]+", str(value)) if part]
    return value


def _problem_for(column: layout.Column) -> str:
    return {
        layout.ID: _("ID-en må være et helt tall fra eksporten."),
        layout.INT: _("%(col)s må være et helt tall."),
        layout.SCALE: _("%(col)s må være et helt tall fra 1 til 5."),
        layout.NUMBER: _("%(col)s må være et tall (for eksempel 12,5)."),
        layout.NOK: _("%(col)s må være et beløp i kroner (for eksempel 250000)."),
        layout.DATE: _("%(col)s må være en dato (dd.mm.åååå)."),
        layout.STATUS: _("%(col)s må være Planlagt, Pågår, Ferdig eller Stoppet."),
        layout.BENEFIT_TYPE: _("%(col)s må være Effektivisering, Kvalitet eller For andre."),
        layout.BOOL: _("%(col)s må være Ja eller Nei."),
        layout.IDS: _("%(col)s må være ID-er skilt med komma."),
    }.get(column.kind, _("%(col)s har en ugyldig verdi.")) % {"col": column.label()}


def read_workbook(data: bytes) -> Parsed:
    """The upload's rows, typed, per sheet of the export's layout; problems in words.

    Refuses the whole file (ImportRefused) when it is not a bounded, formula-free XLSX.
    """
    _check_archive(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise ImportRefused(_("Filen kunne ikke leses som en Excel-fil.")) from exc
    parsed = Parsed()
    titles = layout.sheet_titles()
    cells = 0
    try:
        for ws in book.worksheets:
            sheet = titles.get(ws.title)
            if sheet is None:
                continue
            rows = ws.iter_rows()
            header = [str(c.value or "").strip() for c in next(rows, [])]
            if header[: len(sheet.columns)] not in _header_labels(sheet):
                parsed.problems.append(
                    _("Arket «%(sheet)s» har ikke kolonnene fra eksporten.", sheet=ws.title)
                )
                continue
            found: list[Row] = []
            for number, row in enumerate(rows, 2):
                if number - 1 > MAX_ROWS:
                    raise ImportRefused(_("Et ark har flere enn %(n)s rader.", n=MAX_ROWS))
                cells += len(row)
                if cells > MAX_CELLS:
                    raise ImportRefused(_("Filen har for mange celler."))
                if any(c.data_type == "f" for c in row):
                    raise ImportRefused(
                        _("%(where)s har en formel. Lim inn verdier i stedet for formler.",
                          where=where(ws.title, number))
                    )  # fmt: skip
                values = [c.value for c in row][: len(sheet.columns)]
                if all(v is None or str(v).strip() == "" for v in values):
                    continue
                typed: dict[str, Any] = {}
                for column, value in zip(sheet.columns, values, strict=False):
                    try:
                        typed[column.key] = _value(column, value)
                    except ValueError:
                        parsed.problems.append(f"{where(ws.title, number)}: {_problem_for(column)}")
                found.append(Row(sheet.key, number, typed))
            parsed.rows[sheet.key] = found
    finally:
        book.close()
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(_("Fant ingen ark fra eksporten i filen."))
    return parsed


def _header_labels(sheet: layout.Sheet) -> list[list[str]]:
    found = []
    for locale in ("nb", "en"):
        with force_locale(locale):
            found.append(sheet.labels())
    return found

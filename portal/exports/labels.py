"""Words and number formats the renderers share, so the four formats never disagree."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.timeutil import local_time

# Characters XML 1.0 cannot hold; python-docx and openpyxl refuse them (tab, LF and CR are fine).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str | None) -> str:
    """The text without control characters a Word or Excel file cannot carry."""
    return _XML_ILLEGAL.sub("", text or "")


def workbook_status(code: str) -> str:
    return {
        "draft": _("Utkast"),
        "review": _("Til behandling"),
        "adopted": _("Vedtatt"),
        "revised": _("Revidert"),
    }.get(code, code)


def measure_status(code: str) -> str:
    return {
        "planned": _("Planlagt"),
        "in_progress": _("Pågår"),
        "done": _("Ferdig"),
        "stopped": _("Stoppet"),
    }.get(code, code)


def benefit_type(code: str) -> str:
    return {
        "efficiency": _("Effektivisering"),
        "quality": _("Kvalitet"),
        "others": _("For andre"),
    }.get(code, code)


def chart_title(name: str) -> str:
    return {
        "goal_progress": _("Fremdrift mot målene"),
        "effect_effort": _("Effekt og innsats for tiltakene"),
        "roadmap": _("Veikart for tiltakene"),
        "risk_matrix": _("Risikomatrise"),
    }.get(name, name.replace("_", " ").capitalize())


def yes_no(value: bool) -> str:
    return _("Ja") if value else _("Nei")


def day(value: date | None) -> str:
    # The house's one way to show a day or a moment: d.m.y, Norwegian time, in both languages.
    return local_time(value, "date") if value else ""


def moment(value: datetime) -> str:
    return local_time(value)


def number(value: Decimal | float | int | None) -> str:
    return format_decimal(value) if value is not None else ""


def nok(value: Decimal | int | None) -> str:
    return _("%(amount)s kr", amount=format_decimal(value, "#,##0")) if value is not None else ""


def percent(value: float | None) -> str:
    return f"{round(value)} %" if value is not None else ""

"""Reading numbers, dates and milestones as people type them (Norwegian decimal commas too)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from portal.content.rendering import strip_text

LIMIT = Decimal("1e12")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y")


def parse_decimal(raw: str) -> Decimal:
    """'12,5', '1 234,50', '1.234,5' and '12.5' are numbers; anything else is ValueError."""
    text = _SPACES.sub("", raw or "").replace("−", "-")
    if "," in text and "." in text:
        text = text.replace(".", "")  # 1.234,5: the dots group thousands
    text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(raw)
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(raw) from exc
    if abs(value) >= LIMIT:
        raise ValueError(raw)
    return value


def parse_date(raw: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_milestones(raw: str) -> list[dict[str, str]]:
    """One milestone a line, 'date title' ('2027-03-01 Pilot', '01.03.2027 Pilot')."""
    milestones = []
    for n, line in enumerate((raw or "").splitlines(), 1):
        line = strip_text(line)
        if not line:
            continue
        head, _, title = line.partition(" ")
        try:
            when = parse_date(head)
        except ValueError as exc:
            raise ValueError(n) from exc
        milestones.append({"date": when.isoformat(), "title": title.strip()[:200]})
    return sorted(milestones, key=lambda m: m["date"])


def format_milestones(milestones: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{date.fromisoformat(m['date']).strftime('%d.%m.%Y')} {m['title']}" for m in milestones
    )


class DecimalText(StringField):
    """A number as typed: decimal commas welcome; `data` is a Decimal or None when empty."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        if not self.raw or not str(self.raw).strip():
            self.data = None
            return
        try:
            self.data = parse_decimal(str(self.raw))
        except ValueError as exc:
            self.data = None
            raise ValueError(_l("Skriv et tall, for eksempel 12,5.")) from exc

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        text = format(self.data.normalize(), "f")
        return text.replace(".", ",")


class CleanText(StringField):
    """One line of text with any HTML removed."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = strip_text(valuelist[0]) if valuelist else ""


class CleanTextArea(TextAreaField):
    """Several lines of plain text with any HTML removed."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = strip_text(valuelist[0]) if valuelist else ""


def not_negative(form: Any, field: Any) -> None:
    if field.data is not None and field.data < 0:
        raise ValidationError(_l("Beløpet kan ikke være negativt."))

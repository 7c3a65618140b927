"""Aware UTC timestamps, stored naive-free on every database, shown in Norwegian time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

DEFAULT_ZONE = "Europe/Oslo"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that SQLite hands back aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def in_oslo(value: datetime) -> datetime:
    """The moment in the portal's time zone (Europe/Oslo), whatever zone it was stored in."""
    zone = ZoneInfo(
        current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    )
    if value.tzinfo is None:
        # Dates from the database are aware; a naive value here is UTC by the house rule.
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def local_time(value: datetime | date | None, style: str = "datetime") -> str:
    """A stored moment as people here read it: 02.12.2026 kl. 14:05, in Norwegian time.

    style "date" gives the day only, "time" the clock only; a plain date is shown as it is.
    Both languages use the Norwegian day.month.year order (the issue asks for it everywhere).
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    local = in_oslo(value)
    day, clock = local.strftime("%d.%m.%Y"), local.strftime("%H:%M")
    if style == "date":
        return day
    if style == "time":
        return clock
    return gettext("%(date)s kl. %(time)s", date=day, time=clock)

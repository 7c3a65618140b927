"""Times as people here read them: Europe/Oslo, day.month.year, one filter in every template."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask, render_template_string
from flask_babel import force_locale

from portal.timeutil import local_time

TEMPLATES = Path(__file__).resolve().parents[1] / "portal" / "templates"


def test_winter_and_summer_time_and_the_day_boundary(app: Flask) -> None:
    with force_locale("nb"):
        assert local_time(datetime(2031, 1, 15, 23, 30, tzinfo=UTC)) == "16.01.2031 kl. 00:30"
        assert local_time(datetime(2031, 7, 1, 12, 5, tzinfo=UTC)) == "01.07.2031 kl. 14:05"
        assert local_time(datetime(2031, 1, 15, 23, 30, tzinfo=UTC), "date") == "16.01.2031"
        assert local_time(datetime(2031, 1, 15, 23, 30, tzinfo=UTC), "time") == "00:30"
        # A plain date is a day already; a naive datetime is UTC by the house rule.
        assert local_time(date(2031, 3, 9)) == "09.03.2031"
        assert local_time(datetime(2031, 1, 15, 23, 30)) == "16.01.2031 kl. 00:30"
        assert local_time(None) == ""
    with force_locale("en"):
        assert local_time(datetime(2031, 1, 15, 23, 30, tzinfo=UTC)) == "16.01.2031 at 00:30"


def test_the_filter_is_there_for_every_template(app: Flask) -> None:
    with app.test_request_context():
        out = render_template_string(
            "{{ t|localtime }} / {{ t|localtime('date') }}",
            t=datetime(2031, 1, 15, 23, 30, tzinfo=UTC),
        )
    assert out == "16.01.2031 kl. 00:30 / 16.01.2031"


def test_no_template_formats_a_time_by_hand() -> None:
    # RSS wants RFC 822 dates in English, the one place a time is formatted for a machine.
    allowed = {TEMPLATES / "content" / "feed.xml"}
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*")
        if path.is_file() and path not in allowed and ".strftime(" in path.read_text()
    ]
    assert offenders == []
    html = [p for p in TEMPLATES.rglob("*.html") if " UTC" in p.read_text()]
    assert html == []

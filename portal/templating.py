"""Globals shared by every Jinja template."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from portal.money import format_nok
from portal.timeutil import local_time


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else "nb"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_locale=current_locale)
    # The one way a template shows a stored moment: Norwegian time, Norwegian date format.
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["nok"] = format_nok

"""Globals shared by every Jinja template."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale

from portal.money import format_nok


def has_endpoint(name: str) -> bool:
    """Lets shared templates link to pages of domains that may be switched off."""
    return name in current_app.view_functions


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else "nb"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(has_endpoint=has_endpoint, current_locale=current_locale)
    app.jinja_env.filters["nok"] = format_nok

"""The content blueprint; reader pages, feeds and search register their views on it."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from markupsafe import Markup

from portal.content.rendering import scrolling_tables

bp = Blueprint("content", __name__)


@bp.app_template_filter("scrolling_tables")
def _scrolling_tables(fragment: Markup) -> Markup:
    # The fragment is sanitised article HTML (rendering.sanitise); only its <table> tags change.
    return Markup(scrolling_tables(str(fragment), _("Tabell")))  # noqa: S704

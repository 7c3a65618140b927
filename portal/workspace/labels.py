"""Words people read for the workspace's codes (statuses, kinds, priorities)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.workspace.prose import render_prose

WORKBOOK_STATUS = {
    "draft": _l("Utkast"),
    "review": _l("Til behandling"),
    "adopted": _l("Vedtatt"),
    "revised": _l("Under revisjon"),
}
MEASURE_STATUS = {
    "planned": _l("Planlagt"),
    "in_progress": _l("Pågår"),
    "done": _l("Fullført"),
    "stopped": _l("Stanset"),
}
BENEFIT_KIND = {
    "efficiency": _l("Effektivisering"),
    "quality": _l("Kvalitet"),
    "others": _l("Gevinst for andre"),
}
PRIORITY = {1: _l("Høy"), 2: _l("Middels"), 3: _l("Lav")}
KIND = {
    "prose": _l("Tekst"),
    "items": _l("Liste"),
    "goals": _l("Mål"),
    "measures": _l("Tiltak"),
    "benefits": _l("Gevinster"),
    "risks": _l("Risiko"),
    "grid": _l("Rutenett"),
    "stakeholders": _l("Interessenter"),
}


def text(mapping: dict[Any, Any], key: Any) -> str:
    return str(mapping.get(key, key))


def localised(value: dict[str, str] | str | None, locale: str) -> str:
    """A template text ({nb, en}) in the reader's language, bokmål when missing."""
    if isinstance(value, dict):
        return value.get(locale) or value.get("nb") or ""
    return value or ""


def guidance_html(value: dict[str, str] | str | None, locale: str) -> Markup:
    """A template's guidance in the reader's language with its Markdown (bold lead-ins, lists)
    as HTML; the text is ours, from the YAML, but it goes through the same sanitiser as prose."""
    return Markup(render_prose(localised(value, locale)))  # noqa: S704 - sanitised by nh3

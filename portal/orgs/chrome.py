"""The organisation pages' own chrome – the header with the organisation's tabs, the
workspace's breadcrumb and read-only notice – rendered once per what it shows and kept.

What it shows depends only on the organisation (id, slug, name), the member's role, the page
(the current tab), the language and the script root, all in the key; nothing of the person
or the session is in it (no CSRF token, no name). An organisation page then spends a dict
look-up on it instead of seven url_for calls and the translations of the tabs. With template
auto-reload on (development) nothing is kept, so an edited template shows at once.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

# A few entries per (organisation, role, page); when full, start again rather than track use.
LIMIT = 4096
_kept: dict[tuple[Hashable, ...], Markup] = {}


def kept(template: str, key: tuple[Hashable, ...], **context: Any) -> Markup:
    """`template` rendered with `context`, kept under `key` (which must name everything in
    `context` the output depends on) plus the app, page, language and script root."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.jinja_env.auto_reload:
        return Markup(render_template(template, **context))  # noqa: S704 (our template)
    full = (template, id(app), request.endpoint, str(get_locale()), request.script_root, *key)
    found = _kept.get(full)
    if found is None:
        found = Markup(render_template(template, **context))  # noqa: S704 (our template)
        if len(_kept) >= LIMIT:
            _kept.clear()
        _kept[full] = found
    return found


def clear() -> None:
    _kept.clear()


def org_header(org: Any, membership: Any) -> Markup:
    """The organisation's name and its tabs (the ones this role may open, the current one
    marked)."""
    return kept(
        "orgs/_header.html",
        (org.id, org.slug, org.name, membership.role),
        org=org,
        membership=membership,
    )


def workspace_crumbs(org: Any, workbook: Any, read_only: bool) -> Markup:
    """The workspace's breadcrumb (the workbook's title when in one) and the read-only
    notice of a lapsed organisation."""
    crumb = (workbook.id, workbook.title) if workbook else None
    return kept(
        "workspace/_crumbs.html",
        (org.id, org.slug, crumb, read_only),
        org=org,
        workbook=workbook,
        read_only=read_only,
    )

"""The workspace blueprint under /orgs/<org_slug>/workspace, its access decorators and the
"validate → call the service → commit → flash → redirect" idiom its views share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, redirect, render_template
from flask_babel import get_locale
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.form_flow import handle_form
from portal.orgs import chrome
from portal.orgs.blueprint import org_blueprint, require_role
from portal.orgs.models import PERMISSIONS
from portal.workspace import labels, service

bp = org_blueprint("workspace", __name__, "/workspace")
# The workspace layout's breadcrumb and read-only notice, kept like the organisation header
# (a filter for the same reason).
bp.add_app_template_filter(chrome.workspace_crumbs, "workspace_crumbs")


def locale() -> str:
    return str(get_locale() or "nb")


def read_only() -> bool:
    """Whether the organisation's access has lapsed (asked once per request)."""
    if "workspace_read_only" not in g:
        # The door answered the organisation's access in its statement (PostgreSQL).
        known = g.get("org_has_access")
        g.workspace_read_only = service.is_read_only(g.org) if known is None else not known
    return g.workspace_read_only


def can_edit() -> bool:
    return g.membership.can("edit_workspace") and not read_only()


def can_comment() -> bool:
    return not read_only()


def _refuse_when_lapsed() -> tuple[str, int] | None:
    if read_only():
        return render_template("workspace/read_only.html", **page()), 403
    return None


def editor_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Owners, admins and editors, while the organisation has access."""

    @require_role(PERMISSIONS["edit_workspace"])
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _refuse_when_lapsed() or view(*args, **kwargs)

    return wrapper


def commenter_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every member, while the organisation has access."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _refuse_when_lapsed() or view(*args, **kwargs)

    return wrapper


@bp.app_template_filter("ws_day")
def ws_day(value: str | None) -> str:
    """An ISO date of the plain workbook data as dd.mm.yyyy (a filter: cheaper than a macro)."""
    return f"{value[8:10]}.{value[5:7]}.{value[0:4]}" if value else "–"


@bp.before_request
def forget_last_request() -> None:
    """`g` can outlive a request (an outer app context, as in tests): start from nothing."""
    g.pop("workspace_read_only", None)
    g.pop("workspace_crumb", None)


@bp.context_processor
def layout_context() -> dict[str, Any]:
    """What the workspace layout needs around a page's blocks; kept pages (kept.py) are put
    together from these alone, so the layout never depends on what a view passes."""
    if "org" not in g:  # an outsider's 404 page
        return {}
    return {
        "org": g.org,
        "membership": g.membership,
        "read_only": read_only(),
        "workbook": g.get("workspace_crumb"),
    }


def page(**context: Any) -> dict[str, Any]:
    """The context every workspace page gets."""
    return {
        "org": g.org,
        "membership": g.membership,
        "can_edit": can_edit(),
        "can_comment": can_comment(),
        "read_only": read_only(),
        "labels": labels,
        # Translated once per page, not once per row.
        "status_names": {k: str(v) for k, v in labels.MEASURE_STATUS.items()},
        "locale": locale(),
        **context,
    }


def submit(
    form: FlaskForm,
    action: Callable[[], Any],
    done: str,
    target: Callable[[Any], str] | str,
    render: Callable[[int], Any],
) -> Any:
    """The house form idiom (form_flow.handle_form) with a URL, or a function of the action's
    result giving one, to go to afterwards (303)."""

    def go(result: Any) -> Response:
        return redirect(target(result) if callable(target) else target, code=303)

    return handle_form(form, page=render, action=action, success=go, flash_message=done)

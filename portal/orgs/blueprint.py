"""The /orgs blueprint and its tenant guard: `/orgs/<org_slug>/…` resolves the organisation,
checks the membership and scopes the session in one statement (door.py), and answers 404 to
outsiders; roles are decorators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, g, request, session
from flask_login import current_user

from portal.billing import reader_access
from portal.extensions import login_manager
from portal.orgs import chrome, door, service
from portal.orgs.models import ROLE_RANK, Membership

CURRENT_ORG_SESSION_KEY = "current_org"


def resolve_org(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Every route with <org_slug>: anonymous → login, non-member or deleted org → 404.

    It runs as a url_value_preprocessor, before any before_request hook (CSRF included), so
    an outsider learns nothing, not even whether the form would have been valid.
    """
    if not values or "org_slug" not in values:
        return
    slug = values.pop("org_slug")
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    # One statement: organisation, membership, access now, tenancy settings (door.py); on a
    # warm read-only page also the page's first read, in autocommit (door.looks).
    entry = door.enter_page(slug, current_user, endpoint, values)
    if entry is None:
        abort(404)
    org = g.org = entry.org
    g.membership = entry.membership
    g.org_has_access = entry.has_access  # None: ask billing (SQLite)
    if session.get(CURRENT_ORG_SESSION_KEY) != org.slug:
        session[CURRENT_ORG_SESSION_KEY] = org.slug  # the header switcher's "current" org


def add_org_slug(endpoint: str, values: dict[str, Any]) -> None:
    """url_for() inside an organisation's page fills in its slug."""
    if "org_slug" in values or "org" not in g:
        return
    if _wants_slug(endpoint):
        values["org_slug"] = g.org.slug


def _wants_slug(endpoint: str) -> bool:
    return any("org_slug" in rule.arguments for rule in current_app.url_map.iter_rules(endpoint))


def guard(blueprint: Blueprint) -> Blueprint:
    """Install the organisation guard on a blueprint whose routes carry <org_slug>."""
    blueprint.url_value_preprocessor(resolve_org)
    blueprint.url_defaults(add_org_slug)
    return blueprint


def org_blueprint(name: str, import_name: str, suffix: str = "") -> Blueprint:
    """A blueprint for another domain's organisation pages, under `/orgs/<org_slug><suffix>`
    (e.g. the workspace: `org_blueprint("workspace", __name__, "/workspace")`), guarded like
    the orgs pages: g.org and g.membership are set, outsiders get 404."""
    return guard(Blueprint(name, import_name, url_prefix=f"/orgs/<org_slug>{suffix}"))


bp = guard(Blueprint("orgs", __name__, url_prefix="/orgs"))
# The organisation layout's header, kept per (organisation, role, page, language). A filter,
# not a global: the layout then reads only `org` and `membership`, which a kept layout's key
# can hold (content/layout.py).
bp.add_app_template_filter(chrome.org_header, "org_header")


def require_role(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A member whose role ranks below `role` gets 403 before the view runs (no side effect)."""
    if role not in ROLE_RANK:
        raise ValueError(role)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            membership: Membership = g.membership
            if not membership.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_org_role = role  # type: ignore[attr-defined]
        return wrapper

    return decorator


def org_switcher_context() -> dict[str, Any]:
    """Templates' `org_switcher()`: the header's list of the user's organisations (create_app
    installs it as a context processor)."""

    def org_switcher() -> dict[str, Any]:
        if not current_user.is_authenticated:
            return {"memberships": [], "current": None}
        # On a reader's GET the user loader has read them already (billing/reader_access.py).
        loaded = reader_access.on_read(current_user)
        memberships: Sequence[Any] = (
            loaded.memberships if loaded is not None else service.memberships_for_user(current_user)
        )
        current_slug = g.org.slug if "org" in g else session.get(CURRENT_ORG_SESSION_KEY)
        return switch_for(memberships, current_slug)

    return {"org_switcher": org_switcher}


def switch_for(memberships: Sequence[Any], current_slug: str | None) -> dict[str, Any]:
    """What the header's switcher shows: the memberships and the current one (by slug)."""
    current = next((m for m in memberships if m.org.slug == current_slug), None)
    return {"memberships": memberships, "current": current}


def client_ip() -> str | None:
    return request.remote_addr

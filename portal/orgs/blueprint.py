"""The /orgs blueprint and its tenant guard: `/orgs/<org_slug>/…` resolves the organisation,
checks the membership in one query, and answers 404 to outsiders; roles are decorators."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, g, request, session
from flask_login import current_user

from portal.extensions import login_manager
from portal.orgs import scoping, service
from portal.orgs.models import ROLE_RANK, Membership

bp = Blueprint("orgs", __name__, url_prefix="/orgs")

CURRENT_ORG_SESSION_KEY = "current_org"


@bp.url_value_preprocessor
def resolve_org(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Every route with <org_slug>: anonymous → login, non-member or deleted org → 404.

    It runs before any before_request hook (CSRF included), so an outsider learns nothing,
    not even whether the form would have been valid.
    """
    if not values or "org_slug" not in values:
        return
    slug = values.pop("org_slug")
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    org = service.get_by_slug(slug)
    membership = service.membership_for(org, current_user) if org is not None else None
    if membership is None:
        abort(404)
    scoping.use_org(org)
    g.org = org
    g.membership = membership
    if session.get(CURRENT_ORG_SESSION_KEY) != org.slug:
        session[CURRENT_ORG_SESSION_KEY] = org.slug  # the header switcher's "current" org


@bp.url_defaults
def add_org_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "org_slug" in values or "org" not in g:
        return
    if endpoint.startswith("orgs.") and _wants_slug(endpoint):
        values["org_slug"] = g.org.slug


def _wants_slug(endpoint: str) -> bool:
    return any("org_slug" in rule.arguments for rule in current_app.url_map.iter_rules(endpoint))


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


@bp.before_app_request
def scope_to_user() -> None:
    # The logged-in user may always read their own memberships (header switcher).
    if request.endpoint != "static" and current_user.is_authenticated:
        scoping.use_user(current_user)


@bp.app_context_processor
def org_switcher_context() -> dict[str, Any]:
    def org_switcher() -> dict[str, Any]:
        if not current_user.is_authenticated:
            return {"memberships": [], "current": None}
        memberships = service.memberships_for_user(current_user)
        current_slug = g.org.slug if "org" in g else session.get(CURRENT_ORG_SESSION_KEY)
        current = next((m for m in memberships if m.org.slug == current_slug), None)
        return {"memberships": memberships, "current": current}

    return {"org_switcher": org_switcher}


def client_ip() -> str | None:
    return request.remote_addr

"""The /staff blueprint, its access rule and its menu; areas add views in their own modules."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app
from flask_login import current_user, login_required

from portal.accounts.models import User

bp = Blueprint("staff", __name__, url_prefix="/staff")


def staff_required(role: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Staff only (and, with role="admin", admins only): others get 404, anonymous users login.

    The guarded view remembers the role it asks for, so the menu can leave out what a
    person cannot open.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_staff or (role == "admin" and not current_user.is_admin):
                abort(404)
            return view(*args, **kwargs)

        guarded = login_required(wrapper)
        guarded.staff_role = role or "editor"  # type: ignore[attr-defined]
        return guarded

    return decorator


# (endpoint, label) pairs shown on the back-office front page; areas append theirs.
MENU: list[tuple[str, Any]] = []


def menu_item(label: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add a view to the back-office menu under a (lazy) label."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        MENU.append((f"staff.{view.__name__}", label))
        return view

    return decorator


def may_open(user: User, endpoint: str) -> bool:
    """Whether this staff member's role opens the view (the rule staff_required enforces)."""
    view = current_app.view_functions.get(endpoint)
    if view is None or not user.is_staff:
        return False
    return getattr(view, "staff_role", "admin") != "admin" or user.is_admin


def menu_for(user: User) -> list[tuple[str, Any]]:
    """The menu entries this person can open: an editor sees no admin pages."""
    return [(endpoint, label) for endpoint, label in MENU if may_open(user, endpoint)]


@bp.context_processor
def _staff_menu() -> dict[str, Any]:
    return {"staff_menu": menu_for(current_user) if current_user.is_authenticated else []}

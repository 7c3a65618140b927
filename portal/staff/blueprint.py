"""The /staff blueprint, its access rule and its menu; areas add views in their own modules."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


def staff_required(role: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Staff only (and, with role="admin", admins only): others get 404, anonymous users login."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @login_required
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_staff or (role == "admin" and not current_user.is_admin):
                abort(404)
            return view(*args, **kwargs)

        return wrapper

    return decorator


# (endpoint, label) pairs shown on the back-office front page; areas append theirs.
MENU: list[tuple[str, Any]] = []


def menu_item(label: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add a view to the back-office menu under a (lazy) label."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        MENU.append((f"staff.{view.__name__}", label))
        return view

    return decorator

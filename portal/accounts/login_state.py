"""The browser's login state: start a fresh session, re-login after a version bump."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import login_user

from portal.accounts.models import User


def start_session(user: User, *, remember: bool) -> None:
    """Log in with a fresh session (no fixation): keep only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


def had_remember_cookie() -> bool:
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return name in request.cookies


def keep_this_browser(user: User) -> None:
    """After the session version was bumped, log this browser in again with the new version."""
    start_session(user, remember=had_remember_cookie())

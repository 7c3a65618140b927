"""Flask-Login wiring: the user loader checks the session version, so old cookies die; the
signed session cookie is verified once per worker for each exact string (cookie_sessions.py)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.accounts.cookie_sessions import KeptCookieSessions
from portal.accounts.models import User
from portal.billing import reader_access
from portal.extensions import login_manager


def load_user(ident: str) -> User | None:
    """Load the user for a session id of the form "<id>:<session_version>".

    A session or remember cookie made before the user's session version was bumped
    (logout, logout everywhere, password change or reset) no longer loads anyone.
    """
    parsed = parse_ident(ident)
    if parsed is None:
        return None
    # With the reader's access in the same statement (billing/reader_access.py).
    return reader_access.load_user(*parsed)


def parse_ident(ident: str) -> tuple[int, int] | None:
    """(user id, session version) of a session's "<id>:<session_version>", None if malformed."""
    user_id, _, version = ident.partition(":")
    if not user_id.isdigit() or not version.isdigit() or max(len(user_id), len(version)) > 9:
        return None
    return int(user_id), int(version)


def init_login(app: Flask) -> None:
    # Each worker verifies an unchanged session cookie once (cookie_sessions.py).
    app.session_interface = KeptCookieSessions()
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Logg inn for å se denne siden.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

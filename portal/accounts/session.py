"""Flask-Login wiring: the user loader checks the session version, so old cookies die; the
signed session cookie is verified once per worker for each exact string (cookie_sessions.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

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
    made = login_manager._session_identifier_generator
    if not getattr(made, "_veivalg_kept", False):  # one login manager for every app made
        login_manager._session_identifier_generator = _kept_identifiers(made)  # type: ignore[method-assign]
    _remember_hook_only_when_needed(app)


# Flask-Login's "basic" session protection names the browser on every request by a sha512 of
# its address and user agent; the same pair always gives the same name, so each worker keeps
# the names of the pairs it saw lately (pairs longer than the bound are hashed every time).
KEPT_IDENTIFIERS = 4096
KEPT_PAIR_CHARS = 1024


def _kept_identifiers(make: Callable[[], str]) -> Callable[[], str]:
    kept: dict[tuple[str | None, str | None], str] = {}
    lock = threading.Lock()

    @wraps(make)
    def identifier() -> str:
        current = request._get_current_object()  # type: ignore[attr-defined]
        headers = current.headers
        # What Flask-Login hashes: the forwarded-for header, else the peer address; the agent.
        pair = (headers.get("X-Forwarded-For", current.remote_addr), headers.get("User-Agent"))
        found = kept.get(pair)
        if found is None:
            found = make()
            if len(pair[0] or "") + len(pair[1] or "") <= KEPT_PAIR_CHARS:
                with lock:
                    while len(kept) >= KEPT_IDENTIFIERS:
                        kept.pop(next(iter(kept)))
                    kept[pair] = found
        return found

    identifier._veivalg_kept = True  # type: ignore[attr-defined]
    return identifier


def _remember_hook_only_when_needed(app: Flask) -> None:
    """Flask-Login's after-request hook for the remember-me cookie does something only when the
    session asks it to ("_remember") or the cookie is refreshed on every request
    (REMEMBER_COOKIE_REFRESH_EACH_REQUEST, off here); asked that first, once, it is skipped."""
    hooks = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(hooks):
        if getattr(hook, "__func__", None) is LoginManager._update_remember_cookie:
            hooks[i] = _when_remembering(app, hook)


def _when_remembering(app: Flask, hook: Callable[[Response], Response]) -> Callable[..., Any]:
    config = app.config

    @wraps(hook)
    def update_remember_cookie(response: Response) -> Response:
        if "_remember" not in session._get_current_object() and not config.get(  # type: ignore[attr-defined]
            "REMEMBER_COOKIE_REFRESH_EACH_REQUEST"
        ):
            return response
        return hook(response)

    return update_remember_cookie

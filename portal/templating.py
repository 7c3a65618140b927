"""Globals shared by every Jinja template."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app, request, session, url_for
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer

from portal.i18n import page_language
from portal.money import format_nok, format_number
from portal.timeutil import local_time

# A signed CSRF token per session token, reused for a minute: signing one for every page (the
# header's logout form) costs more than the rest of a kept page's template. Flask-WTF checks
# the same way (signature, the session's own token, WTF_CSRF_TIME_LIMIT); only the time stamp
# inside is up to a minute older. Looked up by the session's secret token, so no session can
# get another's.
_SIGNED_FOR = 60.0
_SIGNED_MAX = 10_000
_signed: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()
_signed_lock = threading.Lock()


def current_locale() -> str:
    """The page's language code (Babel's choice for this request; nb outside a request)."""
    return page_language()


def csrf_token() -> str:
    """Flask-WTF's csrf_token() for templates, its signed form kept per session for a minute."""
    secret = csrf_secret(current_app.config, current_app.secret_key)
    raw = session.get("csrf_token")
    if isinstance(raw, str):
        found = _kept_signed(raw, secret)
        if found is not None:
            return found
    signed = generate_csrf()
    raw = session.get("csrf_token")
    if isinstance(raw, str):
        _keep_signed(raw, secret, signed)
    return signed


def csrf_secret(config: Mapping[str, Any], secret_key: Any) -> str:
    return str(config.get("WTF_CSRF_SECRET_KEY") or secret_key)


def signed_csrf(raw: str, secret: str) -> str:
    """The signed form of a session's CSRF token, as Flask-WTF's generate_csrf signs it (for
    a page put together outside Flask's request, content/kept_readers.py), kept as above."""
    found = _kept_signed(raw, secret)
    if found is None:
        found = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
        _keep_signed(raw, secret, found)
    return found


def _kept_signed(raw: str, secret: str) -> str | None:
    with _signed_lock:
        found = _signed.get((raw, secret))
    if found is not None and time.monotonic() - found[0] < _SIGNED_FOR:
        return found[1]
    return None


def _keep_signed(raw: str, secret: str, signed: str) -> None:
    with _signed_lock:
        _signed[(raw, secret)] = (time.monotonic(), signed)
        _signed.move_to_end((raw, secret))
        while len(_signed) > _SIGNED_MAX:
            _signed.popitem(last=False)


def current_path() -> str:
    """The page's own path and query, for forms that come back to it (the language switch)."""
    return request.full_path


# Pages where "log in" must not send the reader back to the page itself.
_NO_LOGIN_RETURN = ("accounts.login", "accounts.signup")


def login_url() -> str:
    """The header's "log in" link, which brings the reader back to this page afterwards."""
    here = request.full_path if request.endpoint not in _NO_LOGIN_RETURN else None
    return url_for("accounts.login", next=here)


# The layout's values that differ per request, not per reader kind: the kept layout
# (content/layout.py) leaves holes for them and fills them with these same functions.
PER_REQUEST: dict[str, Callable[[], str]] = {
    "csrf_token": csrf_token,
    "current_path": current_path,
    "login_url": login_url,
}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_locale=current_locale, **PER_REQUEST)
    # The one way a template shows a stored moment: Norwegian time, Norwegian date format.
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["nok"] = format_nok
    app.jinja_env.filters["number"] = format_number

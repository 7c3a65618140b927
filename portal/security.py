"""Security headers on every response, and no-store for pages of logged-in users; with the
page's language (portal/i18n.py), in one pass over the response's headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, request
from flask_login import current_user
from werkzeug.datastructures import Headers

from portal.i18n import SUPPORTED, announce_language, page_language

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        # Checkout and the customer portal are reached by redirect after a form post.
        "form-action 'self' https://checkout.stripe.com https://billing.stripe.com",
    ]
)


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
PRODUCTION_HEADERS = (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)

_HTML = "text/html"
_VARY_PAGE = "Cookie, Accept-Language"
# Headers a view may have set that the general path rewrites, keeps or merges with its own.
_SET_HERE = frozenset(("vary", "cache-control", "content-language"))
_LANGUAGES = {code: ("Content-Language", code) for code in SUPPORTED}


def init_app(app: Flask) -> None:
    """One response hook for every header the portal adds to every response: the security
    headers, no-store and Vary for logged-in readers, and the page's language
    (i18n.announce_language: Content-Language, Vary: Accept-Language)."""
    production = app.config["VEIVALG_ENV"] == "production"

    always = [
        (name.lower(), name, value)
        for name, value in (*HEADERS, *(PRODUCTION_HEADERS if production else ()))
    ]
    # What the hook appends to a response that set none of these headers itself, per
    # (logged in, HTML): the same list, in the same order, the general path below writes.
    own = {lower for lower, _, _ in always}
    added = [(name, value) for _, name, value in always]
    appended = {
        (True, False): [*added, ("Cache-Control", "no-store"), ("Vary", "Cookie")],
        (False, False): [*added, ("Vary", "Cookie")],
        (True, True): [*added, ("Cache-Control", "no-store"), ("Vary", _VARY_PAGE)],
        (False, True): [*added, ("Vary", _VARY_PAGE)],
    }

    _csrf_only_for_checked_methods(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        user = current_user._get_current_object()  # type: ignore[attr-defined]  # one look-up
        logged_in = bool(user and user.is_authenticated)
        # One pass over the headers the view set: usually only Content-Type and -Length.
        content_type = None
        shared = False
        for name, value in headers:
            lower = name.lower()
            if lower == "content-type":
                if content_type is None:
                    content_type = value
            elif lower in own or lower in _SET_HERE:
                shared = True
                break
        if not shared and type(headers) is Headers:
            html = content_type is not None and content_type.partition(";")[0].strip() == _HTML
            headers._list.extend(appended[logged_in, html])
            if html:
                headers._list.append(_content_language(page_language()))
            return response
        return announce_language(_general(response, always, logged_in))


def _content_language(code: str) -> tuple[str, str]:
    return _LANGUAGES.get(code) or ("Content-Language", code)


def _general(response: Response, always: list[tuple[str, str, str]], logged_in: bool) -> Response:
    """The security headers for a response whose view set some headers of its own: added where
    missing, a view's own kept (Werkzeug rewrites Vary and Cache-Control in place)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    for lower, name, value in always:
        if lower not in present:
            headers.add(name, value)
    if logged_in:
        headers["Cache-Control"] = "no-store"
        headers["Vary"] = "Cookie"
    else:
        response.vary.add("Cookie")
    return response


def _csrf_only_for_checked_methods(app: Flask) -> None:
    """Flask-WTF's before-request CSRF check, asked first whether the method is one it checks
    (WTF_CSRF_METHODS: POST, PUT, PATCH, DELETE). It asks that last, after the endpoint and its
    exemptions (seven context-local look-ups on every GET); every earlier answer is the same
    "nothing to check", so the order changes no outcome."""
    hooks = app.before_request_funcs.get(None, [])
    for i, hook in enumerate(hooks):
        if (
            getattr(hook, "__module__", None) == "flask_wtf.csrf"
            and hook.__name__ == "csrf_protect"
        ):
            hooks[i] = _for_checked_methods(app, hook)


def _for_checked_methods(app: Flask, hook: Callable[[], Any]) -> Callable[[], Any]:
    config = app.config

    @wraps(hook)
    def csrf_protect() -> Any:
        if request.method not in config["WTF_CSRF_METHODS"]:
            return None
        return hook()

    return csrf_protect

"""Rate limits on the sign-in forms: per client IP and per submitted e-mail address.

Only POSTs count. The limits come from config (ACCOUNTS_RATE_LIMIT_IP,
ACCOUNTS_RATE_LIMIT_EMAIL) at request time. Storage is Redis when REDIS_URL is set;
when Redis is down the limiter falls back to memory and never fails the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

from portal.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def _ip_limit() -> str:
    return current_app.config["ACCOUNTS_RATE_LIMIT_IP"]


def _email_limit() -> str:
    return current_app.config["ACCOUNTS_RATE_LIMIT_EMAIL"]


def _submitted_email() -> str:
    return "email:" + request.form.get("email", "").strip().lower()[:254]


def _no_email_submitted() -> bool:
    return not request.form.get("email", "").strip()


def guarded(view: F) -> F:
    """Limit POSTs to this view per IP and, when the form names an address, per address."""
    view = limiter.limit(
        _email_limit,
        key_func=_submitted_email,
        methods=["POST"],
        exempt_when=_no_email_submitted,
    )(view)
    return limiter.limit(_ip_limit, methods=["POST"])(view)

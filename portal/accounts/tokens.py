"""Signed, expiring, single-use tokens for verification, one-time login, reset and e-mail change.

A token carries the user id and a fingerprint of the user's state that the token's own use
changes (see `fingerprint`). Using it changes that state, so the same token never works twice;
a password change or a newer login changes it too. No token table is needed.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.accounts.models import User

VERIFY = "verify-email"
LOGIN = "login-link"
RESET = "reset-password"
CHANGE_EMAIL = "change-email"

PURPOSES = (VERIFY, LOGIN, RESET, CHANGE_EMAIL)

_MAX_AGE_SETTING = {
    VERIFY: "VERIFY_EMAIL_MAX_AGE",
    LOGIN: "LOGIN_LINK_MAX_AGE",
    RESET: "RESET_PASSWORD_MAX_AGE",
    CHANGE_EMAIL: "VERIFY_EMAIL_MAX_AGE",
}


class TokenError(ValueError):
    """The token is expired, forged, already used or meant for something else."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"veivalg.{purpose}")


def fingerprint(user: User, purpose: str) -> str:
    """A short digest of the state a token of this purpose must still match when used.

    Every purpose includes the password hash and the session version, so a password change,
    reset or logout-everywhere spends all outstanding tokens. On top of that:
    verify-email is spent once the address is verified, login-link once the user logs in
    (last_login_at changes), and change-email once the address changes.
    """
    parts: list[Any] = [user.password_hash or "", user.session_version, user.email]
    if purpose == VERIFY:
        parts.append(user.email_verified_at.isoformat() if user.email_verified_at else "")
    if purpose == LOGIN:
        parts.append(user.last_login_at.isoformat() if user.last_login_at else "")
    key = current_app.config["SECRET_KEY"].encode()
    message = "|".join(str(p) for p in (purpose, *parts)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def issue(user: User, purpose: str, **extra: str) -> str:
    """A signed token for this user and purpose; extra values (e.g. a new e-mail) ride along."""
    payload = {"uid": user.id, "fp": fingerprint(user, purpose), **extra}
    return _serializer(purpose).dumps(payload)


def peek(token: str, purpose: str) -> dict[str, Any]:
    """The payload of a well-signed, unexpired token, without checking it is still unused."""
    max_age = current_app.config[_MAX_AGE_SETTING[purpose]]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("uid"), int):
        raise TokenError("invalid")
    return payload


def check_unused(user: User | None, payload: dict[str, Any], purpose: str) -> User:
    """Refuse a token whose user is gone or whose fingerprint no longer matches (used)."""
    if user is None or not hmac.compare_digest(
        str(payload.get("fp", "")), fingerprint(user, purpose)
    ):
        raise TokenError("invalid")
    return user

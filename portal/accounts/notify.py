"""The mails of accounts, queued through the outbox in the recipient's language."""

from __future__ import annotations

import hashlib

from flask import current_app

from portal.accounts import tokens
from portal.accounts.models import User
from portal.mail import service as mail
from portal.timeutil import utcnow


def _link(endpoint: str, **values: str) -> str:
    """An absolute link from BASE_URL, so mails never depend on the request's Host header.

    Built from the URL map directly, so it works outside a request too (CLI, tasks).
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def _key(kind: str, user: User, unique: str) -> str:
    digest = hashlib.sha256(unique.encode()).hexdigest()[:24]
    return f"accounts:{kind}:{user.id}:{digest}"


def _send_link(
    user: User,
    to: str,
    purpose: str,
    template: str,
    endpoint: str,
    claims: dict[str, str],
    **context: object,
) -> None:
    """Issue a single-use token for `purpose` and mail its link to `to`."""
    token = tokens.issue(user, purpose, **claims)
    mail.queue(
        to, template, user.locale, _key(template, user, token),
        name=user.name, link=_link(endpoint, token=token), **context,
    )  # fmt: skip


def verify_email(user: User, next_path: str | None = None) -> None:
    """Send the link that proves the address belongs to the user (and where to go after)."""
    _send_link(
        user, user.email, tokens.VERIFY, "accounts_verify", "accounts.verify",
        {"next": next_path} if next_path else {},
        hours=current_app.config["VERIFY_EMAIL_MAX_AGE"] // 3600,
    )  # fmt: skip


def signup_attempt(user: User) -> None:
    """Tell an existing member that someone tried to sign up with their address."""
    mail.queue(
        user.email,
        "accounts_signup_attempt",
        user.locale,
        _key("signup-attempt", user, utcnow().isoformat()),
        name=user.name,
        login_link=_link("accounts.login"),
        reset_link=_link("accounts.reset_request"),
    )


def login_link(user: User) -> None:
    """Send a one-time login link (short-lived, single use)."""
    _send_link(
        user, user.email, tokens.LOGIN, "accounts_login_link", "accounts.login_link", {},
        minutes=current_app.config["LOGIN_LINK_MAX_AGE"] // 60,
    )  # fmt: skip


def reset_password(user: User) -> None:
    """Send a password reset link (single use, spent by any password change)."""
    _send_link(
        user, user.email, tokens.RESET, "accounts_reset", "accounts.reset_password", {},
        minutes=current_app.config["RESET_PASSWORD_MAX_AGE"] // 60,
    )  # fmt: skip


def change_email(user: User, new_email: str) -> None:
    """Send the new address a link; the change happens only when it is used."""
    _send_link(
        user, new_email, tokens.CHANGE_EMAIL, "accounts_change_email",
        "accounts.confirm_email_change", {"email": new_email},
        hours=current_app.config["VERIFY_EMAIL_MAX_AGE"] // 3600,
    )  # fmt: skip


def email_changed(user: User, old_email: str) -> None:
    """Tell the old address that the account moved, so a takeover does not go unnoticed."""
    mail.queue(
        old_email,
        "accounts_email_changed",
        user.locale,
        _key("email-changed", user, old_email + user.email),
        name=user.name,
        new_email=user.email,
    )


def password_changed(user: User) -> None:
    """Tell the owner their password changed."""
    mail.queue(
        user.email,
        "accounts_password_changed",
        user.locale,
        _key("password-changed", user, utcnow().isoformat()),
        name=user.name,
        reset_link=_link("accounts.reset_request"),
    )

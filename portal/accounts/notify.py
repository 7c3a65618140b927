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


def verify_email(user: User, next_path: str | None = None) -> None:
    """Send the link that proves the address belongs to the user (and where to go after)."""
    token = tokens.issue(user, tokens.VERIFY, **({"next": next_path} if next_path else {}))
    mail.queue(
        user.email,
        "accounts_verify",
        user.locale,
        _key("verify", user, token),
        name=user.name,
        link=_link("accounts.verify", token=token),
        hours=current_app.config["VERIFY_EMAIL_MAX_AGE"] // 3600,
    )


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
    token = tokens.issue(user, tokens.LOGIN)
    mail.queue(
        user.email,
        "accounts_login_link",
        user.locale,
        _key("login-link", user, token),
        name=user.name,
        link=_link("accounts.login_link", token=token),
        minutes=current_app.config["LOGIN_LINK_MAX_AGE"] // 60,
    )


def reset_password(user: User) -> None:
    """Send a password reset link (single use, spent by any password change)."""
    token = tokens.issue(user, tokens.RESET)
    mail.queue(
        user.email,
        "accounts_reset",
        user.locale,
        _key("reset", user, token),
        name=user.name,
        link=_link("accounts.reset_password", token=token),
        minutes=current_app.config["RESET_PASSWORD_MAX_AGE"] // 60,
    )


def change_email(user: User, new_email: str) -> None:
    """Send the new address a link; the change happens only when it is used."""
    token = tokens.issue(user, tokens.CHANGE_EMAIL, email=new_email)
    mail.queue(
        new_email,
        "accounts_change_email",
        user.locale,
        _key("change-email", user, token),
        name=user.name,
        link=_link("accounts.confirm_email_change", token=token),
        hours=current_app.config["VERIFY_EMAIL_MAX_AGE"] // 3600,
    )


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

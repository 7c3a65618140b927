"""Flows that go through a mailed link: verification, one-time login, reset, e-mail change.

Requests for a link answer the same whether or not the address has an account; using a
link locks the user row, checks the token is unused, and changes the state it was bound to.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.accounts import notify, service, tokens
from portal.accounts.models import User
from portal.accounts.tokens import TokenError
from portal.extensions import db
from portal.timeutil import utcnow


def _use(token: str, purpose: str) -> tuple[User, dict]:
    payload = tokens.peek(token, purpose)
    user = service.get_for_update(payload["uid"])
    return tokens.check_unused(user, payload, purpose), payload


def check(token: str, purpose: str) -> User:
    """The user a still-usable token belongs to (for the confirm page); raises TokenError."""
    payload = tokens.peek(token, purpose)
    user = db.session.get(User, payload["uid"])
    return tokens.check_unused(user, payload, purpose)


def request_verification(email: str) -> None:
    """Resend the verification mail if the address has an unverified account; else nothing."""
    user = service.find_by_email(email)
    if user is not None and not user.is_verified:
        notify.verify_email(user)


def verify_email(token: str) -> tuple[User, str | None]:
    """Mark the address verified (single use); returns the user and the path the sign-up
    asked to return to, if any."""
    user, payload = _use(token, tokens.VERIFY)
    user.email_verified_at = utcnow()
    db.session.flush()
    next_path = payload.get("next")
    return user, next_path if isinstance(next_path, str) else None


def request_login_link(email: str) -> None:
    """Mail a one-time login link if the address has an account; else nothing."""
    user = service.find_by_email(email)
    if user is not None:
        notify.login_link(user)


def login_with_link(token: str) -> User:
    """Log in with a one-time link; it proves the address, so it also verifies it."""
    user, _payload = _use(token, tokens.LOGIN)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    service.record_login(user)
    return user


def request_reset(email: str) -> None:
    """Mail a reset link if the address has an account; else nothing."""
    user = service.find_by_email(email)
    if user is not None:
        notify.reset_password(user)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; every session of the user ends."""
    user, _payload = _use(token, tokens.RESET)
    service.set_password(user, new_password)
    return user


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Send a confirmation link to the new address; nothing changes until it is used.

    Needs the current password. If the new address already has an account, that address
    gets a notice instead and the caller answers the same way.
    """
    if not service.check_password(user, password):
        raise service.AccountError(_("Passordet er feil."))
    new_email = service.normalise_email(new_email)
    if new_email == user.email:
        raise service.AccountError(_("Dette er allerede e-postadressen din."))
    owner = service.find_by_email(new_email)
    if owner is not None:
        notify.signup_attempt(owner)
        return
    notify.change_email(user, new_email)


def confirm_email_change(token: str) -> User:
    """Move the account to the new, now proven, address (single use)."""
    user, payload = _use(token, tokens.CHANGE_EMAIL)
    new_email = service.normalise_email(str(payload.get("email", "")))
    if not new_email or service.find_by_email(new_email) is not None:
        raise TokenError("invalid")
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    db.session.flush()
    notify.email_changed(user, old_email)
    return user

"""Account operations; they add and flush, the caller commits."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import STAFF_ROLES, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.timeutil import utcnow


class AccountError(ValueError):
    """A rule of accounts was broken; the message is safe to show."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    email: str,
    name: str,
    password: str | None,
    *,
    verified: bool = False,
    staff_role: str | None = None,
    locale: str = "nb",
) -> User:
    """Create a user; the e-mail must be unused and the staff role one of STAFF_ROLES."""
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise AccountError(f"a user with e-mail {email} already exists")
    if staff_role is not None and staff_role not in STAFF_ROLES:
        raise AccountError(f"staff role must be one of {', '.join(STAFF_ROLES)}")
    user = User(
        email=email,
        name=name.strip() or email.split("@")[0],
        password_hash=hash_password(password) if password else None,
        email_verified_at=utcnow() if verified else None,
        staff_role=staff_role,
        locale=locale if locale in SUPPORTED else "nb",
        session_version=1,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_locale(user: User, locale: str) -> None:
    """Save the user's language (used for pages and for e-mails to them)."""
    if locale in SUPPORTED:
        user.locale = locale
        db.session.flush()

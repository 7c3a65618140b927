"""Account operations; they add and flush, the caller commits."""

from __future__ import annotations

from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts import notify
from portal.accounts.models import STAFF_ROLES, User
from portal.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    is_common,
    needs_rehash,
    verify_password,
)
from portal.core.redirects import is_safe_path
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.refused import Refused
from portal.timeutil import utcnow


@cache
def _dummy_hash() -> str:
    # Verifying against this keeps a login for an unknown address as slow as for a known one.
    return hash_password("veivalg-dummy-password-for-timing")


class AccountError(Refused):
    """A rule of accounts was broken; the message is safe to show."""


class LoginError(AccountError):
    """Password login refused: `unverified` is True when only the verification is missing."""

    def __init__(self, message: str, *, unverified: bool = False) -> None:
        super().__init__(message)
        self.unverified = unverified


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def get_for_update(user_id: int) -> User | None:
    """Load a user and lock the row, so two uses of one token cannot both succeed."""
    return db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def password_problem(password: str) -> str | None:
    """Why a new password is refused (length, a common password), or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return _("Passordet må ha minst %(n)d tegn.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Passordet kan ha høyst %(n)d tegn.", n=MAX_LENGTH)
    if is_common(password):
        return _("Dette passordet er for vanlig. Velg et annet, gjerne en lang setning.")
    return None


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


def sign_up(
    email: str, name: str, password: str, locale: str = "nb", next_path: str | None = None
) -> User | None:
    """Register a new member and send the verification mail.

    For an address that already has an account nothing is created: its owner gets a
    "someone tried to sign up with your address" mail instead, and the caller answers
    exactly as for a new address (no account enumeration). Returns the new user or None.
    A same-site `next_path` travels in the verification link, so the new member lands where
    they signed up from (e.g. the article behind the paywall).
    """
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    existing = find_by_email(email)
    if existing is not None:
        hash_password(password)  # as slow as a real sign-up
        notify.signup_attempt(existing)
        return None
    user = create_user(email, name, password, locale=locale)
    notify.verify_email(user, next_path if is_safe_path(next_path) else None)
    return user


def authenticate(email: str, password: str) -> User:
    """Check e-mail and password; upgrade an old hash; refuse unverified addresses.

    Unknown address and wrong password give the same error; only someone who knows
    the password learns that the address still needs verifying.
    """
    user = find_by_email(email) if email else None
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)
        raise LoginError(_("Feil e-postadresse eller passord."))
    if not verify_password(user.password_hash, password):
        raise LoginError(_("Feil e-postadresse eller passord."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not user.is_verified:
        db.session.flush()
        raise LoginError(
            _("Du må bekrefte e-postadressen din før du kan logge inn med passord."),
            unverified=True,
        )
    record_login(user)
    return user


def record_login(user: User) -> None:
    """Note the login time (this also spends any outstanding one-time login link)."""
    user.last_login_at = utcnow()
    db.session.flush()


def end_other_sessions(user: User) -> None:
    """Bump the session version: every session and remember cookie made before stops working."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; ends every other session."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("Nåværende passord er feil."))
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    end_other_sessions(user)
    notify.password_changed(user)


def set_password(user: User, new: str) -> None:
    """Set a password from a reset link; ends every session. The link proved the address."""
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    end_other_sessions(user)
    notify.password_changed(user)


def update_profile(user: User, name: str) -> None:
    """Change the display name (never empty)."""
    name = name.strip()
    if not name:
        raise AccountError(_("Navnet kan ikke være tomt."))
    user.name = name[:120]
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    """Save the user's language (used for pages and for e-mails to them)."""
    if locale in SUPPORTED:
        user.locale = locale
        db.session.flush()


def check_password(user: User, password: str) -> bool:
    return verify_password(user.password_hash, password)

"""Download my data and delete my account; other domains take part through the hooks that
create_app registers (portal/accounts/hooks.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete

from portal.accounts.hooks import account_hooks
from portal.accounts.models import User
from portal.accounts.service import AccountError, check_password
from portal.extensions import db
from portal.refused import Refused
from portal.timeutil import utcnow


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(user: User) -> dict[str, Any]:
    """Everything we hold about the user: the account itself plus each domain's section."""
    data: dict[str, Any] = {
        "exported_at": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "locale": user.locale,
            "email_verified_at": _iso(user.email_verified_at),
            "staff_role": user.staff_role,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
    }
    for name, build in account_hooks().export_sections.items():
        data[name] = build(user)
    return data


def deletion_blockers(user: User) -> list[str]:
    """Reasons (safe to show) the account cannot be deleted yet; empty when it can."""
    reasons = []
    for check in account_hooks().deletion_blockers:
        try:
            check(user)
        except Refused as exc:
            reasons.append(str(exc))
    return reasons


def delete_account(user: User, password: str) -> None:
    """Delete the account after checking the password again and every blocker.

    Hooks run first in the same transaction; the row goes with a plain DELETE so the
    database's ON DELETE rules (cascade / set null) clean up other domains' rows.
    """
    if not check_password(user, password):
        raise AccountError(_("Passordet er feil."))
    blockers = deletion_blockers(user)
    if blockers:
        raise Refused(" ".join(blockers))
    for hook in account_hooks().on_delete:
        hook(user)
    user_id = user.id
    db.session.expunge(user)
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.flush()

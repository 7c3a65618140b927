"""Download my data and delete my account, with hooks other domains register by dotted path.

Other domains add entries here (a one-line edit) instead of accounts importing them:
- DATA_EXPORTERS: "portal.x.service:func", func(user) -> dict, merged under key "x"
  (the part of the module path after "portal.").
- DELETION_BLOCKERS: func(user) -> str | None, a reason the account cannot be deleted yet.
- DELETION_HOOKS: func(user) -> None, run before the row is deleted, in the same transaction.
They are resolved with importlib when called, so importing accounts pulls in no other domain.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete

from portal.accounts.models import User
from portal.accounts.service import AccountError, check_password
from portal.extensions import db
from portal.timeutil import utcnow

DATA_EXPORTERS: list[str] = [
    "portal.orgs.account_hooks:export_user_data",
    "portal.billing.service:export_user_data",
]
DELETION_BLOCKERS: list[str] = ["portal.orgs.account_hooks:account_deletion_blocker"]
DELETION_HOOKS: list[str] = ["portal.billing.service:cancel_user_subscription"]


def _resolve(path: str) -> Callable[[User], Any]:
    module_name, _sep, func_name = path.partition(":")
    return getattr(importlib.import_module(module_name), func_name)


def _section(path: str) -> str:
    module_name = path.partition(":")[0]
    parts = module_name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "portal" else module_name


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
    for path in DATA_EXPORTERS:
        section = _section(path)
        data.setdefault(section, {}).update(_resolve(path)(user))
    return data


def deletion_blockers(user: User) -> list[str]:
    """Reasons (safe to show) the account cannot be deleted yet; empty when it can."""
    reasons = [_resolve(path)(user) for path in DELETION_BLOCKERS]
    return [reason for reason in reasons if reason]


def delete_account(user: User, password: str) -> None:
    """Delete the account after checking the password again and every blocker.

    Hooks run first in the same transaction; the row goes with a plain DELETE so the
    database's ON DELETE rules (cascade / set null) clean up other domains' rows.
    """
    if not check_password(user, password):
        raise AccountError(_("Passordet er feil."))
    blockers = deletion_blockers(user)
    if blockers:
        raise AccountError(" ".join(blockers))
    for path in DELETION_HOOKS:
        _resolve(path)(user)
    user_id = user.id
    db.session.expunge(user)
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.flush()

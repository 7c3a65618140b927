"""What other domains add to a member's account: sections of the data download, reasons the
account cannot be deleted yet, and work to do when it is deleted. create_app registers them,
so accounts imports no other domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from portal.accounts.models import User

_KEY = "veivalg.account_hooks"

ExportSection = Callable[[User], dict[str, Any]]
UserHook = Callable[[User], None]


@dataclass
class AccountHooks:
    """The registered hooks of one app; see the add_* methods for what each must do."""

    export_sections: dict[str, ExportSection] = field(default_factory=dict)
    deletion_blockers: list[UserHook] = field(default_factory=list)
    on_delete: list[UserHook] = field(default_factory=list)

    def add_export_section(self, name: str, build: ExportSection) -> None:
        """build(user) -> dict goes into the data download under `name`."""
        if name in self.export_sections:
            raise ValueError(f"export section {name!r} is already registered")
        self.export_sections[name] = build

    def add_deletion_blocker(self, check: UserHook) -> None:
        """check(user) raises portal.refused.Refused (with the reason) while the account may
        not be deleted yet."""
        self.deletion_blockers.append(check)

    def add_on_delete(self, hook: UserHook) -> None:
        """hook(user) runs before the user's row is deleted, in the same transaction; raising
        Refused stops the deletion with that message."""
        self.on_delete.append(hook)


def init_app(app: Flask) -> AccountHooks:
    """Give the app an empty set of account hooks and return it for registration."""
    hooks = AccountHooks()
    app.extensions[_KEY] = hooks
    return hooks


def account_hooks() -> AccountHooks:
    """The current app's account hooks."""
    return current_app.extensions[_KEY]

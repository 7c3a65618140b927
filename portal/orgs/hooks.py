"""What other domains do when an organisation is deleted; create_app registers it, so
organisations import no other domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from portal.orgs.models import Organization

_KEY = "veivalg.org_hooks"

OrgHook = Callable[[Organization], None]


@dataclass
class OrgHooks:
    """The registered hooks of one app."""

    on_delete: list[OrgHook] = field(default_factory=list)

    def add_on_delete(self, hook: OrgHook) -> None:
        """hook(org) runs when an owner deletes the organisation, in the same transaction;
        raising portal.refused.Refused stops the deletion with that message."""
        self.on_delete.append(hook)


def init_app(app: Flask) -> OrgHooks:
    """Give the app an empty set of organisation hooks and return it for registration."""
    hooks = OrgHooks()
    app.extensions[_KEY] = hooks
    return hooks


def org_hooks() -> OrgHooks:
    """The current app's organisation hooks."""
    return current_app.extensions[_KEY]

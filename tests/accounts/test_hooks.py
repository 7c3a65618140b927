"""The account hooks create_app registers: who takes part in the download and the deletion, and
how a hook refuses."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.accounts import deletion
from portal.accounts.hooks import AccountHooks, account_hooks
from portal.accounts.models import User
from portal.billing import service as billing_service
from portal.orgs import account_hooks as orgs_account_hooks
from portal.orgs import hooks as orgs_hooks
from portal.refused import Refused
from tests.accounts.conftest import reload
from tests.conftest import PASSWORD


def test_create_app_registers_every_domains_part(app: Flask) -> None:
    hooks = account_hooks()
    assert hooks.export_sections == {
        "orgs": orgs_account_hooks.export_user_data,
        "billing": billing_service.export_user_data,
    }
    assert hooks.deletion_blockers == [orgs_account_hooks.account_deletion_blocker]
    assert hooks.on_delete == [billing_service.cancel_user_subscription]
    assert orgs_hooks.org_hooks().on_delete == [billing_service.cancel_org_subscription]


def test_a_section_name_is_registered_once() -> None:
    hooks = AccountHooks()
    hooks.add_export_section("x", lambda user: {})
    with pytest.raises(ValueError):
        hooks.add_export_section("x", lambda user: {})


def test_a_refusing_deletion_hook_keeps_the_account_and_says_why(
    app: Flask, create_user, monkeypatch
) -> None:
    def refuse(user: User) -> None:
        raise Refused("Ikke ennå.")

    hooks = account_hooks()
    monkeypatch.setattr(hooks, "on_delete", [refuse])
    user = create_user()
    with pytest.raises(Refused, match="Ikke ennå."):
        deletion.delete_account(user, PASSWORD)
    assert reload(user) is not None

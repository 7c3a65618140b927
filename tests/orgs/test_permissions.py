"""Membership.can and friends: the one statement of what each role may do (DESIGN.md table)."""

from __future__ import annotations

from portal.orgs import service
from tests.support.tenants import Tenant

EXPECTED = {
    "owner": {"read", "edit_workspace", "manage_members", "manage_settings", "view_audit",
              "view_billing", "manage_billing", "manage_owners", "delete_org"},
    "admin": {"read", "edit_workspace", "manage_members", "manage_settings", "view_audit",
              "view_billing"},
    "editor": {"read", "edit_workspace"},
    "member": {"read"},
}  # fmt: skip


def test_each_role_has_exactly_its_rights(acme: Tenant) -> None:
    for role, rights in EXPECTED.items():
        membership = service.membership_for(acme.org, acme.user(role))
        granted = {p for p in EXPECTED["owner"] if membership.can(p)}
        assert granted == rights, role


def test_only_owners_touch_owners(acme: Tenant) -> None:
    owner, admin, editor = (service.membership_for(acme.org, acme.user(r))
                            for r in ("owner", "admin", "editor"))  # fmt: skip
    assert admin.can_manage(editor) and admin.can_remove(editor)
    assert not admin.can_manage(owner) and not admin.can_remove(owner)
    assert admin.can_grant("admin") and not admin.can_grant("owner")
    assert owner.can_grant("owner") and owner.can_hand_ownership_to(admin)
    assert not owner.can_hand_ownership_to(owner) and not owner.can_remove(owner)
    assert not editor.can_manage(editor)


def test_the_members_page_offers_an_admin_no_owner_actions(client, login, acme: Tenant) -> None:
    login(client, acme.admin)
    page = client.get("/orgs/acme/members").get_data(as_text=True)
    owner_id = service.membership_for(acme.org, acme.owner).id
    assert f"/members/{owner_id}/remove" not in page
    assert f"/members/{owner_id}/role" not in page
    assert 'value="owner"' not in page and "/transfer" not in page
    login(client, acme.owner)
    page = client.get("/orgs/acme/members").get_data(as_text=True)
    assert 'value="owner"' in page and "/transfer" in page

"""The role matrix: each role × each organisation action → allowed, or 403 with no side effect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from portal.extensions import db
from portal.orgs import domains, invitations, service
from portal.orgs.models import ROLE_RANK, Membership
from tests.orgs.conftest import snapshot
from tests.support.tenants import Tenant

ROLES = ("member", "editor", "admin", "owner")


@dataclass
class Ids:
    invitation: int
    domain: int
    target: Membership  # a plain member that actions aim at


@dataclass
class Action:
    name: str
    method: str
    path: Callable[[Ids], str]
    data: Callable[[Ids], dict[str, Any]]
    needs: str


ACTIONS = [
    Action("overview", "GET", lambda i: "/orgs/acme/", lambda i: {}, "member"),
    Action("members", "GET", lambda i: "/orgs/acme/members", lambda i: {}, "member"),
    Action("invitations", "GET", lambda i: "/orgs/acme/invitations", lambda i: {}, "admin"),
    Action("invite", "POST", lambda i: "/orgs/acme/invitations",
           lambda i: {"email": "ny@example.org", "role": "member"}, "admin"),
    Action("resend", "POST", lambda i: f"/orgs/acme/invitations/{i.invitation}/resend",
           lambda i: {}, "admin"),
    Action("revoke", "POST", lambda i: f"/orgs/acme/invitations/{i.invitation}/revoke",
           lambda i: {}, "admin"),
    Action("settings", "GET", lambda i: "/orgs/acme/settings", lambda i: {}, "admin"),
    Action("save settings", "POST", lambda i: "/orgs/acme/settings",
           lambda i: {"name": "Acme Nytt AS", "billing_email": "ny@example.org"}, "admin"),
    Action("add domain", "POST", lambda i: "/orgs/acme/settings/domains",
           lambda i: {"domain": "acme.test"}, "admin"),
    Action("remove domain", "POST",
           lambda i: f"/orgs/acme/settings/domains/{i.domain}/delete", lambda i: {}, "admin"),
    Action("audit", "GET", lambda i: "/orgs/acme/audit", lambda i: {}, "admin"),
    Action("change role", "POST", lambda i: f"/orgs/acme/members/{i.target.id}/role",
           lambda i: {"role": "editor"}, "admin"),
    Action("remove member", "POST", lambda i: f"/orgs/acme/members/{i.target.id}/remove",
           lambda i: {}, "admin"),
    Action("transfer", "POST", lambda i: f"/orgs/acme/members/{i.target.id}/transfer",
           lambda i: {}, "owner"),
    Action("delete page", "GET", lambda i: "/orgs/acme/delete", lambda i: {}, "owner"),
    Action("delete", "POST", lambda i: "/orgs/acme/delete",
           lambda i: {"confirm_name": "Acme AS"}, "owner"),
]  # fmt: skip


@pytest.fixture
def setup(acme: Tenant, create_user, add_member) -> Ids:
    invitation = invitations.invite(acme.org, acme.owner, "venter@acme.test", "member")
    domain = domains.add_domain(acme.org, acme.owner, "acme.test")
    domains.remove_domain(acme.org, acme.owner, domain)  # the "add domain" action re-adds it
    other = domains.OrgDomain(org_id=acme.org.id, domain="acme-gruppen.test")
    db.session.add(other)
    target = add_member(acme.org, create_user(name="Mål"), "member")
    db.session.flush()
    return Ids(invitation=invitation.id, domain=other.id, target=target)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_role_matrix(client, login, csrf_token, acme: Tenant, setup: Ids, role: str,
                     action: Action) -> None:  # fmt: skip
    login(client, acme.user(role))
    token = csrf_token(client, "/orgs/acme/members")
    before = snapshot(acme.org)
    data = {"csrf_token": token, **action.data(setup)} if action.method == "POST" else None
    response = client.open(action.path(setup), method=action.method, data=data)
    if ROLE_RANK[role] >= ROLE_RANK[action.needs]:
        assert response.status_code in (200, 302, 303), (role, action.name, response.status_code)
        if action.method == "POST":
            assert snapshot(acme.org) != before, (role, action.name, "nothing changed")
    else:
        assert response.status_code == 403, (role, action.name, response.status_code)
        assert snapshot(acme.org) == before


def test_the_members_page_shows_management_only_to_admins(client, login, acme: Tenant) -> None:
    login(client, acme.member)
    body = client.get("/orgs/acme/members").get_data(as_text=True)
    assert "/role" not in body and "/remove" not in body
    login(client, acme.admin)
    body = client.get("/orgs/acme/members").get_data(as_text=True)
    assert "/role" in body and "/remove" in body and "/transfer" not in body
    assert service.members_count(acme.org) == 4


def test_an_organisation_can_send_only_so_many_invitations(
    app, client, login, csrf_token, acme: Tenant
) -> None:
    app.config["ORG_INVITE_RATE_LIMIT"] = "2 per hour"
    try:
        login(client, acme.admin)
        token = csrf_token(client, "/orgs/acme/invitations")
        statuses = [
            client.post("/orgs/acme/invitations",
                        data={"csrf_token": token, "email": f"n{i}@example.org", "role": "member"}
                        ).status_code
            for i in range(3)
        ]  # fmt: skip
        assert statuses == [303, 303, 429]
        login(client, acme.owner)  # another admin of the same organisation shares the limit
        response = client.post(
            "/orgs/acme/invitations",
            data={"csrf_token": token, "email": "n9@example.org", "role": "member"},
        )
        assert response.status_code == 429
        assert len(invitations.pending(acme.org)) == 2
    finally:
        app.config["ORG_INVITE_RATE_LIMIT"] = "50 per hour"


def test_only_owners_change_the_billing_email(client, login, csrf_token, acme: Tenant) -> None:
    current = acme.org.billing_email
    login(client, acme.admin)
    page = client.get("/orgs/acme/settings").get_data(as_text=True)
    assert "readonly" in page
    token = csrf_token(client, "/orgs/acme/settings")
    hijack = {"csrf_token": token, "name": "Acme Admin AS", "billing_email": "kapret@example.org"}
    client.post("/orgs/acme/settings", data=hijack)
    db.session.expire_all()
    assert acme.org.name == "Acme Admin AS" and acme.org.billing_email == current
    login(client, acme.owner)
    change = {"csrf_token": token, "name": "Acme AS", "billing_email": "faktura@acme.example.org"}
    client.post("/orgs/acme/settings", data=change)
    db.session.expire_all()
    assert acme.org.billing_email == "faktura@acme.example.org"

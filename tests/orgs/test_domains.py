"""Domain join: admins add their own verified domain (never free mail); matching verified users
join with one click while seats allow."""

from __future__ import annotations

import pytest

from portal.orgs import domains, invitations, service
from portal.orgs.service import OrgError
from tests.support.tenants import Tenant


def test_an_admin_adds_their_own_domain_but_not_free_mail_or_someone_elses(
    client, login, csrf_token, acme: Tenant, create_user, add_member
) -> None:
    login(client, acme.admin)
    token = csrf_token(client, "/orgs/acme/settings")
    for value, message in [
        ("gmail.com", "åpen e-posttjeneste"),
        ("fjord.test", "din egen bekreftede e-postadresse"),
        ("not a domain", "gyldig domene"),
    ]:
        response = client.post(
            "/orgs/acme/settings/domains", data={"csrf_token": token, "domain": value}
        )
        assert response.status_code == 422, value
        assert message in response.get_data(as_text=True), value
    assert domains.domains(acme.org) == []
    response = client.post(
        "/orgs/acme/settings/domains", data={"csrf_token": token, "domain": "@ACME.test"}
    )
    assert response.status_code == 303
    assert [d.domain for d in domains.domains(acme.org)] == ["acme.test"]
    again = client.post(
        "/orgs/acme/settings/domains", data={"csrf_token": token, "domain": "acme.test"}
    )
    assert again.status_code == 422 and "allerede" in again.get_data(as_text=True)


def test_free_mail_admins_cannot_add_free_mail_domains(
    app, acme: Tenant, create_user, add_member
) -> None:
    gmail_admin = create_user("someone@gmail.com")
    add_member(acme.org, gmail_admin, "admin")
    # (gettext needs a request: portal.i18n.select_locale reads it)
    with app.test_request_context(), pytest.raises(OrgError, match="åpen e-posttjeneste"):
        domains.add_domain(acme.org, gmail_admin, "gmail.com")


def test_a_verified_user_at_the_domain_joins_with_one_click(
    client, login, csrf_token, acme: Tenant, create_user
) -> None:
    domains.add_domain(acme.org, acme.owner, "acme.test")
    kari = create_user("kari@acme.test")
    login(client, kari)
    page = client.get("/orgs/").get_data(as_text=True)
    assert "Acme AS" in page and "/orgs/join/acme" in page
    token = csrf_token(client, "/orgs/")
    response = client.post("/orgs/join/acme", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/orgs/acme/")
    assert service.membership_for(acme.org, kari).role == "member"
    assert client.get("/orgs/acme/").status_code == 200
    # Once a member, the offer is gone.
    assert "/orgs/join/acme" not in client.get("/orgs/").get_data(as_text=True)


def test_no_offer_when_unverified_at_another_domain_or_seats_are_full(
    client, login, csrf_token, acme: Tenant, create_user
) -> None:
    domains.add_domain(acme.org, acme.owner, "acme.test")
    unverified = create_user("ola@acme.test", verified=False)
    outsider = create_user("per@fjord.test")
    for person in (unverified, outsider):
        assert domains.joinable_organizations(person) == []
    kari = create_user("kari@acme.test")
    service.set_seat_limit(acme.org, 4, None)  # acme has 4 members
    assert domains.joinable_organizations(kari) == []
    login(client, kari)
    token = csrf_token(client, "/orgs/new")
    assert client.post("/orgs/join/acme", data={"csrf_token": token}).status_code == 404
    assert service.membership_for(acme.org, kari) is None
    login(client, outsider)
    assert client.post("/orgs/join/acme", data={"csrf_token": token}).status_code in (400, 404)


def test_joining_by_domain_uses_up_a_pending_invitation_so_it_holds_no_second_seat(
    acme: Tenant, create_user
) -> None:
    domains.add_domain(acme.org, acme.owner, "acme.test")
    invitations.invite(acme.org, acme.owner, "Per@acme.test", "member")
    before = service.seats_used(acme.org)
    per = create_user("per@acme.test")
    domains.join(acme.org, per)
    assert service.pending_invitations_count(acme.org) == 0
    assert service.seats_used(acme.org) == before  # the invitation's seat became his membership

"""Organisation pages: create, bad input, settings, members, leave, delete, the staff pages."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.orgs import scoping, service
from portal.orgs.models import Organization
from tests.conftest import PASSWORD
from tests.support.tenants import Tenant


def org_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organization))


def form(**values: str) -> dict[str, str]:
    return {"name": "Nytt Firma AS", "slug": "nytt-firma", "billing_email": "faktura@example.org",
            "org_number": "", **values}  # fmt: skip


def test_a_verified_member_creates_an_organisation_and_owns_it(
    client, login, csrf_token, create_user
) -> None:
    user = create_user()
    login(client, user)
    token = csrf_token(client, "/orgs/new")
    response = client.post(
        "/orgs/new", data={"csrf_token": token, **form(org_number="923 609 016")}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/orgs/nytt-firma/"
    )
    org = service.get_by_slug("nytt-firma")
    assert org.org_number == "923609016"
    page = client.get("/orgs/nytt-firma/").get_data(as_text=True)
    assert "Nytt Firma AS" in page and "1 av 5 plasser i bruk" in page and "Eier" in page
    # The header switcher links to it.
    assert 'href="/orgs/nytt-firma/"' in client.get("/").get_data(as_text=True)


def test_bad_input_re_renders_the_form_and_creates_nothing(
    client, login, csrf_token, create_user, acme: Tenant
) -> None:
    login(client, create_user())
    token = csrf_token(client, "/orgs/new")
    before = org_count()
    cases = [
        (form(slug="api"), "reservert"),
        (form(slug="staff"), "reservert"),
        (form(slug="acme"), "allerede i bruk"),
        (form(slug="Store Bokstaver"), "små bokstaver"),
        (form(org_number="923609017"), "ikke gyldig"),
        (form(org_number="12345"), "ikke gyldig"),
        (form(name=""), "må ha et navn"),
        (form(billing_email="ikke-en-adresse"), "gyldig e-postadresse"),
    ]
    for data, message in cases:
        response = client.post("/orgs/new", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), (data, message)
    assert org_count() == before


def test_an_unverified_user_cannot_create_an_organisation(
    client, login, csrf_token, create_user
) -> None:
    login(client, create_user(verified=False))
    token = csrf_token(client, "/orgs/new")
    response = client.post("/orgs/new", data={"csrf_token": token, **form()})
    assert response.status_code == 422 and "Bekreft e-postadressen" in response.get_data(
        as_text=True
    )
    assert service.get_by_slug("nytt-firma") is None


def test_anonymous_users_are_sent_to_login_from_the_org_index(client) -> None:
    for path in ("/orgs/", "/orgs/new"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_settings_are_saved_and_audited(client, login, csrf_token, acme: Tenant) -> None:
    login(client, acme.admin)
    token = csrf_token(client, "/orgs/acme/settings")
    bad = client.post("/orgs/acme/settings", data={"csrf_token": token, "name": "Acme",
                      "billing_email": "a@example.org", "org_number": "111"})  # fmt: skip
    assert bad.status_code == 422 and "ikke gyldig" in bad.get_data(as_text=True)
    ok = client.post("/orgs/acme/settings", data={"csrf_token": token, "name": "Acme Holding AS",
                     "billing_email": "a@example.org", "org_number": "974760673"})  # fmt: skip
    assert ok.status_code == 303
    db.session.expire_all()
    assert (acme.org.name, acme.org.org_number) == ("Acme Holding AS", "974760673")
    log = client.get("/orgs/acme/audit").get_data(as_text=True)
    # A sentence with the person's name and the change as before → after, never the raw code.
    assert "Admin Acme AS endret innstillingene" in log
    assert "Navn: Acme AS → Acme Holding AS" in log and "Organisasjonsnummer: – → 974760673" in log
    assert "org.settings_changed" not in log and "{&#34;" not in log


def test_a_role_change_that_would_leave_no_owner_is_refused(
    client, login, csrf_token, acme: Tenant
) -> None:
    login(client, acme.owner)
    token = csrf_token(client, "/orgs/acme/members")
    mine = service.membership_for(acme.org, acme.owner)
    response = client.post(
        f"/orgs/acme/members/{mine.id}/role", data={"csrf_token": token, "role": "member"}
    )
    assert response.status_code == 422 and "minst én eier" in response.get_data(as_text=True)
    leave = client.post("/orgs/acme/leave", data={"csrf_token": token})
    assert leave.status_code == 422 and "eneste eier" in leave.get_data(as_text=True)
    db.session.expire_all()
    assert service.membership_for(acme.org, acme.owner).role == "owner"


def test_a_member_leaves(client, login, csrf_token, acme: Tenant) -> None:
    login(client, acme.member)
    token = csrf_token(client, "/orgs/acme/members")
    response = client.post("/orgs/acme/leave", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/orgs/acme/").status_code == 404


def test_the_owner_deletes_by_typing_the_name_and_staff_restore_it(
    client, login, csrf_token, acme: Tenant, create_user
) -> None:
    login(client, acme.owner)
    token = csrf_token(client, "/orgs/acme/delete")
    wrong = client.post("/orgs/acme/delete", data={"csrf_token": token, "confirm_name": "acme"})
    assert wrong.status_code == 422 and service.get_by_slug("acme") is not None
    right = client.post("/orgs/acme/delete", data={"csrf_token": token, "confirm_name": "Acme AS"})
    assert right.status_code == 303
    assert client.get("/orgs/acme/").status_code == 404

    staff = create_user(staff_role="admin")
    login(client, staff)
    page = client.get("/staff/organisations")
    assert page.status_code == 200 and "Acme AS" in page.get_data(as_text=True)
    token = csrf_token(client, "/staff/organisations")
    assert (
        client.post(
            f"/staff/organisations/{acme.org.id}/restore", data={"csrf_token": token}
        ).status_code
        == 302
    )
    login(client, acme.member)
    assert client.get("/orgs/acme/").status_code == 200


def test_staff_set_the_seat_limit_and_others_cannot_see_the_page(
    client, login, csrf_token, acme: Tenant, create_user
) -> None:
    login(client, acme.owner)
    assert client.get("/staff/organisations").status_code == 404
    login(client, create_user(staff_role="editor"))
    assert client.get("/staff/organisations").status_code == 404
    login(client, create_user(staff_role="admin"))
    token = csrf_token(client, "/staff/organisations")
    for path in ("/staff/organisations/999999999999/seats", "/staff/organisations/0/restore"):
        assert client.post(path, data={"csrf_token": token, "seats": "3"}).status_code == 404
    bad = client.post(
        f"/staff/organisations/{acme.org.id}/seats", data={"csrf_token": token, "seats": "0"}
    )
    assert bad.status_code == 422
    ok = client.post(
        f"/staff/organisations/{acme.org.id}/seats", data={"csrf_token": token, "seats": "25"}
    )
    assert ok.status_code == 303
    db.session.expire_all()
    assert acme.org.seat_limit == 25
    login(client, acme.member)
    assert "4 av 25 plasser i bruk" in client.get("/orgs/acme/members").get_data(as_text=True)


def test_the_last_owner_cannot_delete_their_account_until_ownership_moves(
    client, login, csrf_token, acme: Tenant
) -> None:
    login(client, acme.owner)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "eneste eier av Acme AS" in page
    token = csrf_token(client, "/account/delete")
    response = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 422
    assert service.membership_for(acme.org, acme.owner) is not None
    # After handing over the ownership, the account can go (its membership with it).
    owner = service.membership_for(acme.org, acme.owner)
    service.transfer_ownership(acme.org, owner, service.membership_for(acme.org, acme.admin), None)
    login(client, acme.owner)
    token = csrf_token(client, "/account/delete")
    response = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 303
    db.session.expire_all()
    with scoping.system_scope():  # the requests shared this test's connection and its settings
        remaining = {m.user.email: m.role for m in service.members(acme.org)}
    assert remaining == {
        "admin@acme.test": "owner", "editor@acme.test": "editor", "member@acme.test": "member"
    }  # fmt: skip


def test_the_data_export_lists_the_users_memberships(client, login, acme: Tenant) -> None:
    login(client, acme.editor)
    data = client.get("/account/data.json").get_json()
    assert data["orgs"]["memberships"] == [
        {
            "organisation": "Acme AS",
            "slug": "acme",
            "role": "editor",
            "since": data["orgs"]["memberships"][0]["since"],
        }
    ]


def test_the_header_leads_a_newcomer_to_the_organisations_page(client, login, create_user) -> None:
    login(client, create_user())
    nav = client.get("/").get_data(as_text=True)
    assert 'href="/orgs/"' in nav
    page = client.get("/orgs/").get_data(as_text=True)
    assert 'href="/orgs/new"' in page

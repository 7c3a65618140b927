"""An organisation's billing pages under /orgs/<slug>/billing/: the organisations' door, its tabs,
owners manage and admins look, Stripe returns there, and the old /billing/orgs/ links redirect."""

from __future__ import annotations

from portal.billing import customers
from tests.support.tenants import Tenant


def test_owner_manages_admin_looks_editor_and_member_are_refused(
    client, login, acme: Tenant
) -> None:
    login(client, acme.owner)
    page = client.get("/orgs/acme/billing/").get_data(as_text=True)
    # Online payment is off in tests: the owner's way to more seats is an invoice quote.
    assert "/contact?topic=organisation" in page
    login(client, acme.admin)
    response = client.get("/orgs/acme/billing/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "/contact?topic=organisation" not in body and "/orgs/acme/billing/portal" not in body
    for role in ("editor", "member"):
        login(client, acme.user(role))
        assert client.get("/orgs/acme/billing/").status_code == 403


def test_the_billing_page_keeps_the_organisations_tabs(client, login, acme: Tenant) -> None:
    login(client, acme.owner)
    body = client.get("/orgs/acme/billing/").get_data(as_text=True)
    for tab in ("/orgs/acme/members", "/orgs/acme/settings", "/orgs/acme/billing/"):
        assert f'href="{tab}"' in body, tab
    members_page = client.get("/orgs/acme/members").get_data(as_text=True)
    assert 'href="/orgs/acme/billing/"' in members_page


def test_admin_cannot_post_to_the_owners_billing_actions(
    client, login, csrf_token, acme: Tenant
) -> None:
    login(client, acme.admin)
    token = csrf_token(client, "/orgs/acme/billing/")
    for action in ("checkout", "portal", "seats"):
        response = client.post(
            f"/orgs/acme/billing/{action}",
            data={"csrf_token": token, "plan": "org_seat_monthly", "seats": "3"},
        )
        assert response.status_code == 403, action


def test_the_portal_returns_to_the_organisations_billing_page(
    app, client, login, csrf_token, stripe_on, acme: Tenant
) -> None:
    customers.ensure_for(acme.org)
    login(client, acme.owner)
    token = csrf_token(client, "/orgs/acme/billing/")
    response = client.post("/orgs/acme/billing/portal", data={"csrf_token": token})
    assert response.status_code == 303
    [sent] = stripe_on.recorded("/v1/billing_portal/sessions")
    base = app.config["BASE_URL"].rstrip("/")
    assert sent["params"]["return_url"] == f"{base}/orgs/acme/billing/"


def test_the_old_billing_address_redirects_to_the_new_one(client) -> None:
    response = client.get("/billing/orgs/acme/manage")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/orgs/acme/billing/")

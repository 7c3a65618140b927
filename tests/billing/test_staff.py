"""Staff pages: members and organisations with their subscription state; grant and revoke."""

from __future__ import annotations

from datetime import date, timedelta

from flask import g

from portal.billing import customers, entitlements, grants, plans
from portal.billing.models import ComplimentaryGrant
from portal.extensions import db
from portal.orgs import service as orgs_service
from tests.billing.helpers import make_event, post_event


def _access(user) -> bool:
    g.pop("_paid_access", None)
    return entitlements.can_read(user, "paid")


def test_members_page_shows_subscription_state(app, client, create_user, login, stripe_on):
    admin = create_user(staff_role="admin")
    payer = create_user(name="Petra Betaler")
    customer = customers.ensure_for(payer)
    sub = stripe_on.subscribe(
        customer.stripe_customer_id, plans.get_by_code("individual_monthly").stripe_price_id
    )
    stripe_on.set_status(sub["id"], "past_due")
    post_event(client, make_event("customer.subscription.updated", sub))
    login(client, admin)
    page = client.get("/staff/members?q=petra").get_data(as_text=True)
    assert "Petra Betaler" in page and "Betaling feilet" in page
    assert "Medlemmer og abonnementer" in client.get("/staff/").get_data(as_text=True)


def test_organisations_page_shows_trial_grant_and_seats(app, client, create_user, login, make_org):
    admin = create_user(staff_role="admin")
    make_org(name="Fjellet AS", trial=True)
    login(client, admin)
    page = client.get("/staff/members/organisations").get_data(as_text=True)
    assert "Fjellet AS" in page and "1 / 5" in page


def test_admin_grants_and_revokes_access_for_a_user(app, client, create_user, login, csrf_token):
    admin = create_user(staff_role="admin")
    reader = create_user()
    login(client, admin)
    path = f"/staff/members/{reader.id}"
    token = csrf_token(client, path)
    ends = (date.today() + timedelta(days=30)).isoformat()
    response = client.post(
        f"{path}/grants", data={"csrf_token": token, "reason": "Pressetilgang", "ends_on": ends}
    )
    assert response.status_code == 303
    assert _access(reader)
    grant = db.session.scalar(db.select(ComplimentaryGrant))
    assert grant.granted_by_id == admin.id and grant.ends_at.date().isoformat() == ends
    response = client.post(f"/staff/grants/{grant.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    assert not _access(reader)


def test_grant_form_refuses_bad_input(app, client, create_user, login, csrf_token):
    admin = create_user(staff_role="admin")
    reader = create_user()
    login(client, admin)
    path = f"/staff/members/{reader.id}"
    token = csrf_token(client, path)
    no_reason = client.post(f"{path}/grants", data={"csrf_token": token, "reason": ""})
    past = client.post(
        f"{path}/grants",
        data={"csrf_token": token, "reason": "x", "ends_on": "2001-01-01"},
    )
    assert no_reason.status_code == 422 and past.status_code == 422
    assert "Sluttdatoen må være i fremtiden" in past.get_data(as_text=True)
    assert grants.grants_for_user(reader) == []


def test_admin_grants_access_to_an_organisation(
    app, client, create_user, login, csrf_token, make_org
):
    admin = create_user(staff_role="admin")
    org = make_org(trial=False)
    member = create_user()
    orgs_service.add_member(org, member, "member", None, "test", None)
    login(client, admin)
    path = f"/staff/members/organisations/{org.id}"
    token = csrf_token(client, path)
    response = client.post(f"{path}/grants", data={"csrf_token": token, "reason": "Partner"})
    assert response.status_code == 303
    assert _access(member)


def test_members_pages_are_for_admins_only(app, client, create_user, login):
    login(client, create_user(staff_role="editor"))
    assert client.get("/staff/members").status_code == 404
    login(client, create_user())
    assert client.get("/staff/members/organisations").status_code == 404

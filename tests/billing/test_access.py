"""The status -> access matrix end to end: a webhook in, `can_read(user, "paid")` out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from flask_login import AnonymousUserMixin

from portal.accounts.models import User
from portal.billing import customers, entitlements, grants, plans
from portal.billing.models import Subscription
from portal.extensions import db
from portal.orgs import service as orgs_service
from portal.timeutil import utcnow
from tests.billing.helpers import make_event, post_event


def _access(user) -> bool:
    g.pop("_paid_access", None)
    return entitlements.can_read(user, "paid")


def _subscribe(stripe_on, owner, code="individual_monthly", quantity=1):
    customer = customers.ensure_for(owner)
    plan = plans.get_by_code(code)
    return stripe_on.subscribe(customer.stripe_customer_id, plan.stripe_price_id, quantity)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("active", True),
        ("trialing", True),
        ("past_due", True),
        ("unpaid", False),
        ("canceled", False),
        ("incomplete", False),
        ("incomplete_expired", False),
        ("paused", False),
    ],
)
def test_status_access_matrix_for_individuals(app, client, create_user, stripe_on, status, allowed):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    stripe_on.set_status(sub["id"], status)
    post_event(client, make_event("customer.subscription.updated", sub))
    assert _access(user) is allowed
    assert entitlements.can_read(user, "members")
    assert entitlements.can_read(user, "public")


@pytest.mark.parametrize(
    ("status", "allowed"), [("active", True), ("past_due", True), ("unpaid", False)]
)
def test_status_access_matrix_for_organisation_seats(
    app, client, create_user, stripe_on, make_org, status, allowed
):
    org = make_org(trial=False)
    member = create_user()
    orgs_service.add_member(org, member, "member", None, "test", None)
    outsider = create_user()
    sub = _subscribe(stripe_on, org, "org_seat_monthly", quantity=3)
    stripe_on.set_status(sub["id"], status)
    post_event(client, make_event("customer.subscription.updated", sub))
    assert _access(member) is allowed
    assert not _access(outsider)


def test_past_due_shows_a_banner_asking_for_a_new_payment_method(
    app, client, create_user, login, stripe_on
):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    login(client, user)
    assert "Oppdater betalingsmåten" not in client.get("/billing/pricing").get_data(as_text=True)
    stripe_on.set_status(sub["id"], "past_due")
    post_event(
        client, make_event("invoice.payment_failed", {"id": "in_1", "subscription": sub["id"]})
    )
    page = client.get("/billing/pricing").get_data(as_text=True)
    assert "Oppdater betalingsmåten" in page
    assert "billing-banner" in page


def test_cancel_at_period_end_keeps_access_until_the_period_ends(
    app, client, create_user, stripe_on
):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    stripe_on.cancel_at_period_end(sub["id"])
    post_event(client, make_event("customer.subscription.updated", sub))
    row = db.session.scalar(db.select(Subscription))
    assert row.cancel_at_period_end and row.status == "active"
    assert _access(user)
    assert not row.grants_access(row.current_period_end + timedelta(seconds=1))


def test_unauthenticated_and_free_members_have_no_paid_access(app, create_user):
    assert not entitlements.can_read(AnonymousUserMixin(), "paid")
    assert not entitlements.can_read(AnonymousUserMixin(), "members")
    assert not _access(create_user())
    assert not entitlements.can_read(create_user(), "secret")


def test_staff_read_everything(app, create_user):
    assert _access(create_user(staff_role="editor"))


def test_complimentary_grants_for_users_and_organisations(app, create_user, make_org):
    user = create_user()
    grant = grants.grant_to_user(user, "Presse", utcnow() + timedelta(days=30))
    assert _access(user)
    grants.revoke(grant)
    assert not _access(user)
    expired = grants.grant_to_user(user, "Kort", utcnow() + timedelta(days=1))
    expired.ends_at = utcnow() - timedelta(seconds=1)
    assert not _access(user)

    org = make_org(trial=False)
    member = create_user()
    orgs_service.add_member(org, member, "member", None, "test", None)
    assert not _access(member)
    grants.grant_to_org(org, "Partner")
    assert _access(member)


def test_organisation_trial_gives_seats_access(app, create_user, make_org):
    org = make_org(trial=True)
    member = create_user()
    orgs_service.add_member(org, member, "member", None, "test", None)
    assert _access(member)
    org.trial_ends_at = utcnow() - timedelta(minutes=1)
    assert not _access(member)


def test_deleted_organisation_gives_no_access(app, create_user, make_org):
    org = make_org(trial=False)
    member = create_user()
    orgs_service.add_member(org, member, "member", None, "test", None)
    grants.grant_to_org(org, "Partner")
    org.deleted_at = utcnow()
    assert not _access(member)


def test_owner_of_a_past_due_organisation_sees_the_banner(
    app, client, create_user, login, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, name="Banner AS", trial=False)
    sub = _subscribe(stripe_on, org, "org_seat_monthly", quantity=2)
    stripe_on.set_status(sub["id"], "past_due")
    post_event(client, make_event("customer.subscription.updated", sub))
    login(client, owner)
    page = client.get("/billing/pricing").get_data(as_text=True)
    assert "Vi fikk ikke trukket betalingen for Banner AS" in page
    assert f"/orgs/{org.slug}/billing/" in page


def test_the_past_due_banner_follows_the_member_to_ordinary_pages(
    app, client, create_user, login, stripe_on
):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    stripe_on.set_status(sub["id"], "past_due")
    post_event(
        client, make_event("invoice.payment_failed", {"id": "in_2", "subscription": sub["id"]})
    )
    login(client, user)
    assert "billing-banner" in client.get("/").get_data(as_text=True)
    assert "billing-banner" not in app.test_client().get("/").get_data(as_text=True)


def test_an_unsaved_user_never_borrows_an_organisations_grant(app, make_org) -> None:
    grants.grant_to_org(make_org(trial=False), "Pilot", None, None)
    stand_in = User(email="preview@example.org", name="Forhåndsvisning", locale="nb")
    assert stand_in.id is None
    assert not entitlements.has_paid_access(stand_in)

"""Organisation seats: the subscription quantity sets the seat limit; owners add or remove seats."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from portal.accounts.models import User
from portal.billing import customers, plans
from portal.billing import service as billing_service
from portal.billing.errors import BillingError
from portal.billing.models import Subscription
from portal.billing.reconcile import reconcile
from portal.extensions import db
from portal.orgs import invitations
from portal.orgs import service as orgs_service
from portal.orgs.models import OrgAuditEntry
from portal.orgs.scoping import system_scope
from portal.orgs.service import OrgError
from tests.billing.helpers import make_event, post_event
from tests.support.concurrency import race


def _org_subscribed(stripe_on, client, org, quantity):
    customer = customers.ensure_for(org)
    plan = plans.get_by_code("org_seat_monthly")
    sub = stripe_on.subscribe(customer.stripe_customer_id, plan.stripe_price_id, quantity)
    post_event(client, make_event("customer.subscription.created", sub))
    return sub


def _quantity_in_stripe(stripe_on, sub_id):
    return stripe_on.subscription(sub_id)["items"]["data"][0]["quantity"]


def test_subscription_quantity_becomes_the_seat_limit(app, client, stripe_on, make_org):
    org = make_org(trial=False)
    _org_subscribed(stripe_on, client, org, 4)
    db.session.refresh(org)
    assert org.seat_limit == 4


def test_owner_adds_seats_through_stripe(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, trial=False)
    sub = _org_subscribed(stripe_on, client, org, 2)
    login(client, owner)
    page = client.get(f"/orgs/{org.slug}/billing/")
    assert page.status_code == 200 and "Endre antall plasser" in page.get_data(as_text=True)
    token = csrf_token(client, f"/orgs/{org.slug}/billing/")
    response = client.post(
        f"/orgs/{org.slug}/billing/seats", data={"csrf_token": token, "seats": "6"}
    )
    assert response.status_code == 303
    assert _quantity_in_stripe(stripe_on, sub["id"]) == 6
    [update] = stripe_on.recorded(f"/v1/subscriptions/{sub['id']}")
    assert update["params"]["items"][0]["quantity"] == "6"
    assert update["idempotency_key"].startswith(f"seats:{sub['id']}:2->6:")
    assert db.session.scalar(db.select(Subscription)).quantity == 6
    db.session.refresh(org)
    assert org.seat_limit == 6
    with system_scope():
        actions = db.session.scalars(
            db.select(OrgAuditEntry.action).where(OrgAuditEntry.org_id == org.id)
        ).all()
    assert "billing.seats_changed" in actions


def test_seats_never_below_the_members(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, trial=False)
    sub = _org_subscribed(stripe_on, client, org, 3)
    for _ in range(2):
        orgs_service.add_member(org, create_user(), "member", None, "test", None)
    login(client, owner)
    token = csrf_token(client, f"/orgs/{org.slug}/billing/")
    response = client.post(
        f"/orgs/{org.slug}/billing/seats", data={"csrf_token": token, "seats": "2"}
    )
    assert response.status_code == 422
    assert "kan ikke være lavere enn 3" in response.get_data(as_text=True)
    assert _quantity_in_stripe(stripe_on, sub["id"]) == 3
    bad = client.post(f"/orgs/{org.slug}/billing/seats", data={"csrf_token": token, "seats": "x"})
    assert bad.status_code == 422


def test_only_owners_change_seats(app, client, create_user, login, csrf_token, stripe_on, make_org):
    org = make_org(trial=False)
    sub = _org_subscribed(stripe_on, client, org, 3)
    admin = create_user()
    orgs_service.add_member(org, admin, "admin", None, "test", None)
    login(client, admin)
    page = client.get(f"/orgs/{org.slug}/billing/")
    assert page.status_code == 200
    assert "Endre antall plasser" not in page.get_data(as_text=True)
    token = csrf_token(client, "/billing/pricing")
    response = client.post(
        f"/orgs/{org.slug}/billing/seats", data={"csrf_token": token, "seats": "9"}
    )
    assert response.status_code == 403
    assert _quantity_in_stripe(stripe_on, sub["id"]) == 3


def test_seat_limit_follows_quantity_changed_in_the_portal(app, client, stripe_on, make_org):
    org = make_org(trial=False)
    sub = _org_subscribed(stripe_on, client, org, 3)
    item = sub["items"]["data"][0]["id"]
    stripe_on.client.v1.subscriptions.update(sub["id"], {"items": [{"id": item, "quantity": 8}]})
    post_event(client, make_event("customer.subscription.updated", sub))
    db.session.refresh(org)
    assert org.seat_limit == 8


def test_owners_find_the_add_seats_action_beside_the_seat_count(
    app, client, create_user, login, make_org
):
    owner = create_user()
    org = make_org(owner, trial=False)
    admin = create_user()
    orgs_service.add_member(org, admin, "admin", None, "test", None)
    db.session.commit()
    add_seats = f'<a href="/orgs/{org.slug}/billing/">Legg til plasser</a>'
    login(client, owner)
    assert add_seats in client.get(f"/orgs/{org.slug}/members").get_data(as_text=True)
    login(client, admin)
    # Admins see the billing tab (they may look) but not the owner's action.
    assert add_seats not in client.get(f"/orgs/{org.slug}/members").get_data(as_text=True)


def _sete_with_three_paid_seats(create_user, stripe_side) -> int:
    """Committed: "sete" with an owner, one colleague and a subscription of 3 seats."""
    owner = create_user("sjef@setebedrift.no", verified=True)
    org = orgs_service.create_organization(owner, "Sete AS", "sete", "f@setebedrift.no")
    org.trial_ends_at = None
    orgs_service.add_member(org, create_user("kollega@setebedrift.no"), "member", None, "t", None)
    customer = customers.ensure_for(org)
    plan = plans.get_by_code("org_seat_monthly")
    stripe_side.subscribe(customer.stripe_customer_id, plan.stripe_price_id, 3)
    with system_scope():
        reconcile()
    db.session.commit()
    owner_id = owner.id
    db.session.remove()
    return owner_id


def test_fewer_seats_while_an_invitation_takes_one_never_leaves_more_in_use_than_paid_for(
    committed_app, stripe_committed, create_user
):
    owner_id = _sete_with_three_paid_seats(create_user, stripe_committed)

    def invite() -> None:
        sete = orgs_service.get_by_slug("sete")
        invitations.invite(sete, db.session.get(User, owner_id), "ny@setebedrift.no", "member")

    def fewer_seats() -> None:
        sete = orgs_service.get_by_slug("sete")
        billing_service.change_seats(sete, 2, db.session.get(User, owner_id))

    answers = race(committed_app, invite, fewer_seats, (BillingError,))
    assert answers[0] == "ok" and "lavere enn 3" in answers[1]
    sete = orgs_service.get_by_slug("sete")
    assert sete.seat_limit == 3 and orgs_service.seats_used(sete) == 3


def test_an_invitation_waiting_for_a_seat_change_counts_the_new_seat_limit(
    committed_app, stripe_committed, create_user
):
    owner_id = _sete_with_three_paid_seats(create_user, stripe_committed)

    def fewer_seats() -> None:
        sete = orgs_service.get_by_slug("sete")
        billing_service.change_seats(sete, 2, db.session.get(User, owner_id))

    def invite() -> None:
        sete = orgs_service.get_by_slug("sete")
        invitations.invite(sete, db.session.get(User, owner_id), "ny@setebedrift.no", "member")

    answers = race(committed_app, fewer_seats, invite, (OrgError,))
    assert answers[0] == "ok" and "Alle 2 plassene er i bruk" in answers[1]
    sete = orgs_service.get_by_slug("sete")
    assert sete.seat_limit == 2 and orgs_service.seats_used(sete) == 2


def test_seat_change_with_stripe_switched_off_is_a_message_not_a_500(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, trial=False)
    _org_subscribed(stripe_on, client, org, 3)
    app.config["STRIPE_SECRET_KEY"] = None  # the stripe_on fixture puts it back
    login(client, owner)
    token = csrf_token(client, f"/orgs/{org.slug}/billing/")
    response = client.post(
        f"/orgs/{org.slug}/billing/seats", data={"csrf_token": token, "seats": "5"}
    )
    assert response.status_code == 422
    assert "Stripe svarte ikke" in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.seat_limit == 3


def test_a_seat_change_and_a_webhook_for_the_same_organisation_do_not_deadlock(
    committed_app, stripe_committed, create_user
):
    app = committed_app
    owner = create_user("sjef@setebedrift.no", verified=True)
    org = orgs_service.create_organization(owner, "Sete AS", "sete", "f@setebedrift.no")
    org.trial_ends_at = None
    customer = customers.ensure_for(org)
    plan = plans.get_by_code("org_seat_monthly")
    stripe_committed.subscribe(customer.stripe_customer_id, plan.stripe_price_id, 3)
    with system_scope():
        reconcile()
    db.session.commit()
    owner_id, customer_id = owner.id, customer.stripe_customer_id
    db.session.remove()
    locked = threading.Event()

    def webhook_processing() -> None:
        # What mirror.apply does: the customer's lock, then the organisation's seat limit.
        with app.test_request_context():
            customers.by_stripe_id(customer_id, lock=True)
            locked.set()
            time.sleep(0.5)
            with system_scope():
                orgs_service.set_seat_limit(orgs_service.get_by_slug("sete"), 4, None)
            db.session.commit()

    def more_seats() -> None:
        locked.wait(timeout=10)
        with app.test_request_context():
            sete = orgs_service.get_by_slug("sete")
            billing_service.change_seats(sete, 6, db.session.get(User, owner_id))
            db.session.commit()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(webhook_processing), pool.submit(more_seats)]
        for future in futures:
            future.result(timeout=30)  # a deadlock would raise here
    assert orgs_service.get_by_slug("sete").seat_limit == 6

"""Checkout and the Customer Portal: what we send to Stripe, and who may start them."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import g

from portal.accounts.models import User
from portal.billing import customers, entitlements, plans
from portal.billing.models import BillingCustomer, CheckoutAttempt, Subscription
from portal.extensions import db
from portal.orgs import service as orgs_service
from tests.billing.helpers import make_event, post_event


def _session_obj(attempt: CheckoutAttempt, subscription_id: str, **overrides: object) -> dict:
    ref = f"org:{attempt.org_id}" if attempt.org_id else f"user:{attempt.user_id}"
    obj = {
        "id": attempt.stripe_session_id,
        "object": "checkout.session",
        "mode": "subscription",
        "customer": attempt.stripe_customer_id,
        "client_reference_id": ref,
        "metadata": {"veivalg_checkout": str(attempt.id), "veivalg_owner": ref},
        "subscription": subscription_id,
        "status": "complete",
    }
    obj.update(overrides)
    return obj


def test_individual_checkout_sends_a_bound_subscription_session(
    app, client, create_user, login, csrf_token, stripe_on
):
    user = create_user()
    login(client, user)
    token = csrf_token(client, "/billing/pricing")
    response = client.post(
        "/billing/checkout", data={"csrf_token": token, "plan": "individual_yearly"}
    )
    assert response.status_code == 303
    assert response.location.startswith("https://checkout.stripe.test/")
    [sent] = stripe_on.recorded("/v1/checkout/sessions")
    params = sent["params"]
    plan = plans.get_by_code("individual_yearly")
    customer = customers.for_user(user)
    assert params["mode"] == "subscription"
    assert params["customer"] == customer.stripe_customer_id
    assert params["line_items"] == [{"price": plan.stripe_price_id, "quantity": "1"}]
    assert params["client_reference_id"] == f"user:{user.id}"
    assert "{CHECKOUT_SESSION_ID}" in params["success_url"]
    assert params["cancel_url"].endswith("/billing/cancelled")
    assert "tax_id_collection" not in params
    assert sent["idempotency_key"].startswith("checkout:")
    attempt = db.session.scalar(db.select(CheckoutAttempt))
    assert attempt.stripe_session_id in response.location
    assert attempt.user_id == user.id


def test_each_attempt_has_its_own_idempotency_key(
    app, client, create_user, login, csrf_token, stripe_on
):
    login(client, create_user())
    for _ in range(2):
        token = csrf_token(client, "/billing/pricing")
        client.post("/billing/checkout", data={"csrf_token": token, "plan": "individual_monthly"})
    keys = {r["idempotency_key"] for r in stripe_on.recorded("/v1/checkout/sessions")}
    assert len(keys) == 2


def _start_individual_checkout(client, user, login, csrf_token) -> CheckoutAttempt:
    login(client, user)
    token = csrf_token(client, "/billing/pricing")
    client.post("/billing/checkout", data={"csrf_token": token, "plan": "individual_monthly"})
    return db.session.scalar(db.select(CheckoutAttempt))


def test_subscribing_through_checkout_gives_access(
    app, client, create_user, login, csrf_token, stripe_on
):
    user = create_user()
    attempt = _start_individual_checkout(client, user, login, csrf_token)
    waiting = client.get(f"/billing/success?session_id={attempt.stripe_session_id}")
    assert waiting.status_code == 200
    assert 'http-equiv="refresh"' in waiting.get_data(as_text=True)
    assert not entitlements.can_read(user, "paid")

    plan = plans.get_by_code("individual_monthly")
    sub = stripe_on.subscribe(attempt.stripe_customer_id, plan.stripe_price_id)
    response = post_event(
        client, make_event("checkout.session.completed", _session_obj(attempt, sub["id"]))
    )
    assert response.status_code == 200

    g.pop("_paid_access", None)
    assert entitlements.can_read(user, "paid")
    done = client.get(f"/billing/success?session_id={attempt.stripe_session_id}")
    assert "refresh" not in done.get_data(as_text=True)
    assert "Abonnementet er aktivt" in done.get_data(as_text=True)


def test_invoice_paid_before_checkout_completed_converges(
    app, client, create_user, login, csrf_token, stripe_on
):
    user = create_user()
    attempt = _start_individual_checkout(client, user, login, csrf_token)
    plan = plans.get_by_code("individual_monthly")
    sub = stripe_on.subscribe(attempt.stripe_customer_id, plan.stripe_price_id)
    invoice = {"id": "in_early", "object": "invoice", "subscription": sub["id"]}
    # Stripe does not promise an order: the invoice can come before the session's event.
    assert post_event(client, make_event("invoice.paid", invoice)).status_code == 200
    g.pop("_paid_access", None)
    assert entitlements.can_read(user, "paid")
    event = make_event("checkout.session.completed", _session_obj(attempt, sub["id"]))
    assert post_event(client, event).status_code == 200
    db.session.refresh(attempt)
    assert (attempt.status, attempt.stripe_subscription_id) == ("completed", sub["id"])
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 1
    g.pop("_paid_access", None)
    assert entitlements.can_read(user, "paid")
    done = client.get(f"/billing/success?session_id={attempt.stripe_session_id}")
    assert "Abonnementet er aktivt" in done.get_data(as_text=True)


def test_org_checkout_collects_seats_address_and_vat_number(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, trial=False)
    login(client, owner)
    page = client.get("/billing/pricing").get_data(as_text=True)
    assert f'action="/orgs/{org.slug}/billing/checkout"' in page
    token = csrf_token(client, "/billing/pricing")
    response = client.post(
        f"/orgs/{org.slug}/billing/checkout",
        data={"csrf_token": token, "plan": "org_seat_monthly", "seats": "7"},
    )
    assert response.status_code == 303
    [sent] = stripe_on.recorded("/v1/checkout/sessions")
    params = sent["params"]
    assert params["line_items"][0]["quantity"] == "7"
    assert params["billing_address_collection"] == "required"
    assert params["tax_id_collection"] == {"enabled": "true"}
    assert params["client_reference_id"] == f"org:{org.id}"
    assert params["customer"] == customers.for_org(org).stripe_customer_id


def test_non_owner_cannot_open_org_checkout_or_portal(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    org = make_org(trial=False)
    member = create_user()
    orgs_service.add_member(org, member, "admin", None, "test", None)
    outsider = create_user()
    login(client, member)
    token = csrf_token(client, "/billing/pricing")
    checkout = client.post(
        f"/orgs/{org.slug}/billing/checkout",
        data={"csrf_token": token, "plan": "org_seat_monthly", "seats": "3"},
    )
    portal = client.post(f"/orgs/{org.slug}/billing/portal", data={"csrf_token": token})
    assert checkout.status_code == 403
    assert portal.status_code == 403
    login(client, outsider)
    token = csrf_token(client, "/billing/pricing")
    assert (
        client.post(f"/orgs/{org.slug}/billing/portal", data={"csrf_token": token}).status_code
        == 404
    )
    assert stripe_on.recorded("/v1/checkout/sessions") == []
    assert stripe_on.recorded("/v1/billing_portal/sessions") == []


def test_portal_session_for_the_member_and_for_owners(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    user = create_user()
    customers.ensure_for(user)
    login(client, user)
    token = csrf_token(client, "/billing/manage")
    response = client.post("/billing/manage", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.location.startswith("https://billing.stripe.test/")
    [sent] = stripe_on.recorded("/v1/billing_portal/sessions")
    assert sent["params"]["customer"] == customers.for_user(user).stripe_customer_id
    assert sent["params"]["return_url"].endswith("/billing/manage")

    org = make_org(user, trial=False)
    customers.ensure_for(org)
    token = csrf_token(client, f"/orgs/{org.slug}/billing/")
    response = client.post(f"/orgs/{org.slug}/billing/portal", data={"csrf_token": token})
    assert response.status_code == 303
    sent = stripe_on.recorded("/v1/billing_portal/sessions")[-1]
    assert sent["params"]["customer"] == customers.for_org(org).stripe_customer_id


def test_cancel_returns_to_pricing(app, client):
    response = client.get("/billing/cancelled", follow_redirects=True)
    assert response.request.path == "/billing/pricing"
    assert "avbrutt" in response.get_data(as_text=True)


def test_a_live_subscriber_cannot_start_a_second_subscription(
    app, client, create_user, login, csrf_token, stripe_on
):
    user = create_user()
    customer = customers.ensure_for(user)
    sub = stripe_on.subscribe(
        customer.stripe_customer_id, plans.get_by_code("individual_monthly").stripe_price_id
    )
    post_event(client, make_event("customer.subscription.created", sub))
    login(client, user)
    page = client.get("/billing/pricing").get_data(as_text=True)
    assert 'action="/billing/checkout"' not in page
    assert "Administrer abonnementet ditt" in page
    token = csrf_token(client, "/billing/pricing")
    response = client.post(
        "/billing/checkout",
        data={"csrf_token": token, "plan": "individual_yearly"},
        follow_redirects=True,
    )
    assert "allerede et aktivt abonnement" in response.get_data(as_text=True)
    assert stripe_on.recorded("/v1/checkout/sessions") == []


def test_organisation_subscribes_through_checkout_and_its_members_read(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, trial=False)
    member = create_user()
    orgs_service.add_member(org, member, "member", None, "test", None)
    assert not entitlements.can_read(member, "paid")
    login(client, owner)
    token = csrf_token(client, "/billing/pricing")
    client.post(
        f"/orgs/{org.slug}/billing/checkout",
        data={"csrf_token": token, "plan": "org_seat_yearly", "seats": "4"},
    )
    attempt = db.session.scalar(db.select(CheckoutAttempt))
    assert (attempt.org_id, attempt.quantity) == (org.id, 4)
    price = plans.get_by_code("org_seat_yearly").stripe_price_id
    sub = stripe_on.subscribe(attempt.stripe_customer_id, price, quantity=4)
    event = make_event("checkout.session.completed", _session_obj(attempt, sub["id"]))
    assert post_event(client, event).status_code == 200

    g.pop("_paid_access", None)
    assert entitlements.can_read(member, "paid")
    db.session.refresh(org)
    assert org.seat_limit == 4
    page = client.get(f"/billing/success?session_id={attempt.stripe_session_id}")
    assert "Abonnementet er aktivt" in page.get_data(as_text=True)
    manage = client.get(f"/orgs/{org.slug}/billing/").get_data(as_text=True)
    assert "2 / 4" in manage


def test_success_page_belongs_to_who_started_the_checkout(
    app, client, create_user, login, csrf_token, stripe_on
):
    login(client, create_user())
    page = client.get("/billing/pricing").get_data(as_text=True)
    assert 'action="/billing/checkout"' in page
    token = csrf_token(client, "/billing/pricing")
    client.post("/billing/checkout", data={"csrf_token": token, "plan": "individual_monthly"})
    attempt = db.session.scalar(db.select(CheckoutAttempt))
    login(client, create_user())
    assert client.get(f"/billing/success?session_id={attempt.stripe_session_id}").status_code == 404
    assert client.get("/billing/success?session_id=cs_unknown").status_code == 404


def test_two_first_checkouts_at_once_bind_one_customer(
    committed_app, stripe_committed, create_user
):
    app = committed_app
    user_id = create_user("dobbel@example.org").id
    db.session.commit()
    db.session.remove()
    first_bound = threading.Event()

    def bind(first: bool) -> str:
        with app.test_request_context():
            if not first:
                first_bound.wait(timeout=10)
            customer = customers.ensure_for(db.session.get(User, user_id))
            if first:
                first_bound.set()
                time.sleep(0.5)  # the second looks for the customer before this commits
            db.session.commit()
            return customer.stripe_customer_id

    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = list(pool.map(bind, (True, False)))
    assert ids[0] == ids[1]
    assert db.session.scalar(db.select(db.func.count()).select_from(BillingCustomer)) == 1

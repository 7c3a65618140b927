"""The rest of the lifecycle: rejected checkouts, e-mails, reconciliation, cancelling, plans."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from portal.accounts.deletion import delete_account
from portal.accounts.models import User
from portal.billing import customers, grants, plans
from portal.billing import demo as billing_demo
from portal.billing import service as billing_service
from portal.billing.checkout import start_checkout
from portal.billing.models import CheckoutAttempt, Plan, StripeEvent, Subscription
from portal.billing.reconcile import reconcile
from portal.extensions import db
from portal.orgs.models import OrgAuditEntry
from portal.orgs.scoping import system_scope
from portal.outbox.models import OutboxItem
from portal.timeutil import utcnow
from tests.billing.helpers import make_event, post_event
from tests.conftest import PASSWORD
from tests.support.services import body_text, free_port


def _mails(prefix: str) -> list[OutboxItem]:
    return list(
        db.session.scalars(
            db.select(OutboxItem).where(OutboxItem.idempotency_key.like(f"mail:{prefix}%"))
        )
    )


def _subscribe(stripe_on, owner, code="individual_monthly", quantity=1):
    customer = customers.ensure_for(owner)
    plan = plans.get_by_code(code)
    return stripe_on.subscribe(customer.stripe_customer_id, plan.stripe_price_id, quantity)


def test_completion_pointing_at_another_organisation_is_rejected_and_audited(
    app, client, create_user, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, trial=False)
    other = make_org(trial=False)
    plan = plans.get_by_code("org_seat_monthly")
    start_checkout(org, plan, 3, owner, "https://x/s", "https://x/c")
    attempt = db.session.scalar(db.select(CheckoutAttempt))
    forged = {
        "id": attempt.stripe_session_id,
        "object": "checkout.session",
        "customer": attempt.stripe_customer_id,
        "client_reference_id": f"org:{other.id}",
        "metadata": {"veivalg_checkout": str(attempt.id), "veivalg_owner": f"org:{other.id}"},
        "subscription": "sub_forged",
    }
    event = make_event("checkout.session.completed", forged)
    assert post_event(client, event).status_code == 200
    db.session.refresh(attempt)
    assert attempt.status == "rejected"
    assert db.session.get(StripeEvent, event["id"]).outcome == "rejected"
    assert db.session.scalar(db.select(Subscription)) is None
    with system_scope():
        entry = db.session.scalar(
            db.select(OrgAuditEntry).where(OrgAuditEntry.action == "billing.checkout_rejected")
        )
    assert entry.org_id == org.id
    assert entry.after["client_reference_id"] == f"org:{other.id}"


def test_mails_for_welcome_payment_failure_trial_end_and_cancellation(
    app, client, create_user, stripe_on
):
    user = create_user(locale="nb")
    sub = _subscribe(stripe_on, user)
    post_event(client, make_event("customer.subscription.created", sub))
    [welcome] = _mails("billing-welcome")
    assert welcome.payload["to"] == user.email
    assert "Velkommen" in welcome.payload["subject"]

    stripe_on.set_status(sub["id"], "past_due")
    post_event(
        client, make_event("invoice.payment_failed", {"id": "in_9", "subscription": sub["id"]})
    )
    [failed] = _mails("billing-payment-failed")
    assert "/billing/manage" in failed.payload["text"]

    post_event(client, make_event("customer.subscription.trial_will_end", sub))
    assert len(_mails("billing-trial-ending")) == 1

    stripe_on.cancel(sub["id"])
    post_event(client, make_event("customer.subscription.deleted", sub))
    [cancelled] = _mails("billing-cancelled")
    assert "avsluttet" in cancelled.payload["text"]
    # A second delivery of any of these sends nothing new.
    post_event(client, make_event("customer.subscription.deleted", sub))
    assert len(_mails("billing-cancelled")) == 1


def test_reconciliation_repairs_a_drifted_mirror_and_is_idempotent(
    app, client, create_user, stripe_on, make_org
):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    org = make_org(trial=False)
    org_sub = _subscribe(stripe_on, org, "org_seat_yearly", 5)
    post_event(client, make_event("customer.subscription.created", sub))
    # A missed webhook: the org subscription never arrived; the user's was cancelled in Stripe.
    stripe_on.cancel(sub["id"])
    assert (
        db.session.scalar(db.select(Subscription).where(Subscription.user_id == user.id)).status
        == "active"
    )
    first = reconcile()
    assert first["changed"] == 2
    row = db.session.scalar(db.select(Subscription).where(Subscription.user_id == user.id))
    assert row.status == "canceled"
    org_row = db.session.scalar(db.select(Subscription).where(Subscription.org_id == org.id))
    assert (org_row.status, org_row.quantity, org_row.stripe_subscription_id) == (
        "active",
        5,
        org_sub["id"],
    )
    assert reconcile()["changed"] == 0


def test_reconcile_task_runs_through_celery(app, stripe_on, create_user):
    user = create_user()
    _subscribe(stripe_on, user)
    celery = app.extensions["celery"]
    result = celery.tasks["billing.reconcile"].apply()
    assert result.result["changed"] == 1


def test_deleting_an_account_or_organisation_cancels_in_stripe(
    app, client, create_user, stripe_on, make_org
):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    org = make_org(trial=False)
    org_sub = _subscribe(stripe_on, org, "org_seat_monthly", 2)
    reconcile()
    billing_service.cancel_user_subscription(user)
    billing_service.cancel_org_subscription(org)
    assert stripe_on.subscription(sub["id"])["status"] == "canceled"
    assert stripe_on.subscription(org_sub["id"])["status"] == "canceled"
    statuses = set(db.session.scalars(db.select(Subscription.status)))
    assert statuses == {"canceled"}


def test_sync_plans_command_is_idempotent(app, stripe_on):
    runner = app.test_cli_runner()
    before = len(stripe_on.recorded("/v1/prices"))
    result = runner.invoke(args=["stripe-sync-plans"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output and "created" not in result.output
    creates = [r for r in stripe_on.recorded("/v1/prices") if r["method"] == "POST"]
    assert len(creates) == 4
    assert len(stripe_on.recorded("/v1/prices")) > before
    # A new amount moves the lookup key to a new price.
    plan = db.session.scalar(db.select(Plan).where(Plan.code == "individual_monthly"))
    old_price = plan.stripe_price_id
    plan.amount_ore = 15900
    result = runner.invoke(args=["stripe-sync-plans"])
    assert "individual_monthly" in result.output and "created" in result.output
    assert plan.stripe_price_id != old_price
    sent = [r for r in stripe_on.recorded("/v1/prices") if r["method"] == "POST"][-1]
    assert sent["params"]["lookup_key"] == "individual_monthly"
    assert sent["params"]["transfer_lookup_key"] == "true"
    assert sent["params"]["unit_amount"] == "15900"


def test_pricing_without_stripe_says_payment_is_off_and_shows_vat(app, client):
    plans.ensure_plans()
    page = client.get("/billing/pricing").get_data(as_text=True)
    assert "Du kan ikke betale med kort her ennå" in page
    # Consumers: 149 + 25 % VAT = 186.25 as the headline; organisations: 119 without VAT,
    # 148.75 with VAT beside it. Norwegian format with no-break spaces.
    assert "186,25\u00a0kr" in page and "149\u00a0kr" not in page
    assert "119\u00a0kr" in page and "148,75\u00a0kr" in page
    assert "Gratis medlem" in page and "Virksomhet" in page
    assert 'action="/billing/checkout"' not in page
    # No dead end: both paid columns lead to a quote request.
    assert page.count("/contact?topic=") == 2


def test_demo_seed_gives_complimentary_access_once(app, create_user, make_org):
    subscriber = create_user("subscriber@example.com")
    owner = create_user()
    make_org(owner, slug="acme", name="Acme AS", trial=False)
    first = billing_demo.seed({"subscriber@example.com": subscriber})
    second = billing_demo.seed({"subscriber@example.com": subscriber})
    assert "grant: subscriber@example.com" in first and "grant: acme" in first
    assert second == ["plans: 4"]


def test_trial_is_mirrored(app, client, create_user, stripe_on):
    user = create_user()
    customer = customers.ensure_for(user)
    plan = plans.get_by_code("individual_monthly")
    sub = stripe_on.subscribe(customer.stripe_customer_id, plan.stripe_price_id, trial_days=7)
    stripe_on.set_status(sub["id"], "trialing")  # localstripe leaves trials "incomplete"
    post_event(client, make_event("customer.subscription.created", sub))
    row = db.session.scalar(db.select(Subscription))
    assert row.status == "trialing"
    assert row.trial_end > utcnow() + timedelta(days=6)


def test_account_deletion_cancels_the_individual_subscription(app, client, create_user, stripe_on):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    post_event(client, make_event("customer.subscription.created", sub))
    delete_account(user, PASSWORD)
    assert stripe_on.subscription(sub["id"])["status"] == "canceled"
    row = db.session.scalar(db.select(Subscription))
    assert row.status == "canceled" and row.user_id is None


def test_payment_failed_mail_reaches_the_member_with_a_link_to_manage(
    app, client, create_user, stripe_on, smtp_sink
):
    saved = app.config["MAIL_URL"]
    app.config["MAIL_URL"] = smtp_sink.url
    try:
        user = create_user(locale="en")
        sub = _subscribe(stripe_on, user)
        post_event(client, make_event("customer.subscription.created", sub))
        stripe_on.set_status(sub["id"], "past_due")
        post_event(
            client, make_event("invoice.payment_failed", {"id": "in_7", "subscription": sub["id"]})
        )
        messages = smtp_sink.wait_for_mail(user.email, count=2)
    finally:
        app.config["MAIL_URL"] = saved
    digest = hashlib.sha256(b"billing-payment-failed:in_7").hexdigest()[:32]
    [failed] = [m for m in messages if digest in str(m["Message-ID"])]
    assert "http://localhost/billing/manage" in body_text(failed)
    assert failed["Content-Language"] == "en"


def test_billing_records_in_the_users_data_export(app, client, create_user, stripe_on):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    post_event(client, make_event("customer.subscription.created", sub))
    grants.grant_to_user(user, "Presse")
    data = billing_service.export_user_data(user)
    assert data["subscriptions"][0]["stripe_subscription_id"] == sub["id"]
    assert data["subscriptions"][0]["plan"] == "individual_monthly"
    assert data["complimentary_grants"][0]["reason"] == "Presse"


def test_account_deletion_stops_with_a_message_when_stripe_is_unreachable(
    app, client, create_user, login, csrf_token, stripe_on
):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    post_event(client, make_event("customer.subscription.created", sub))
    db.session.commit()
    login(client, user)
    token = csrf_token(client, "/account/delete")
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 422
    assert "abonnementet ditt hos Stripe" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id) is not None
    assert stripe_on.subscription(sub["id"])["status"] != "canceled"


def test_deleting_an_organisation_cancels_its_subscription(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, name="Avvikling AS", trial=False)
    sub = _subscribe(stripe_on, org, "org_seat_monthly", quantity=2)
    post_event(client, make_event("customer.subscription.created", sub))
    db.session.commit()
    login(client, owner)
    token = csrf_token(client, f"/orgs/{org.slug}/delete")
    response = client.post(
        f"/orgs/{org.slug}/delete", data={"csrf_token": token, "confirm_name": org.name}
    )
    assert response.status_code == 303
    assert stripe_on.subscription(sub["id"])["status"] == "canceled"


def test_an_organisation_is_not_deleted_while_stripe_cannot_cancel(
    app, client, create_user, login, csrf_token, stripe_on, make_org
):
    owner = create_user()
    org = make_org(owner, name="Henger AS", trial=False)
    sub = _subscribe(stripe_on, org, "org_seat_monthly", quantity=2)
    post_event(client, make_event("customer.subscription.created", sub))
    db.session.commit()
    login(client, owner)
    token = csrf_token(client, f"/orgs/{org.slug}/delete")
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response = client.post(
        f"/orgs/{org.slug}/delete", data={"csrf_token": token, "confirm_name": org.name}
    )
    assert response.status_code == 422
    assert "abonnementet hos Stripe" in response.get_data(as_text=True)
    with system_scope():
        db.session.expire_all()
        assert db.session.get(type(org), org.id).deleted_at is None
    assert stripe_on.subscription(sub["id"])["status"] != "canceled"


def test_a_payment_failure_that_stripe_has_since_recovered_sends_no_mail(
    app, client, create_user, stripe_on
):
    user = create_user()
    sub = _subscribe(stripe_on, user)
    post_event(client, make_event("customer.subscription.created", sub))
    # The retry already succeeded: Stripe says active when the failure event is processed.
    post_event(
        client, make_event("invoice.payment_failed", {"id": "in_late", "subscription": sub["id"]})
    )
    assert _mails("billing-payment-failed") == []
    stripe_on.set_status(sub["id"], "past_due")
    post_event(
        client, make_event("invoice.payment_failed", {"id": "in_owed", "subscription": sub["id"]})
    )
    assert len(_mails("billing-payment-failed")) == 1


def test_buying_seats_without_online_payment_leads_to_an_invoice_quote(
    app, client, create_user, make_org, login
):
    owner = create_user()
    org = make_org(owner, name="Kvote AS", trial=False)
    login(client, owner)
    page = client.get(f"/orgs/{org.slug}/billing/").get_data(as_text=True)
    assert "/contact?topic=organisation&amp;org=Kvote+AS" in page
    assert "Be om tilbud med faktura" in page

"""Billing pages: pricing, checkout and its return pages, the Customer Portal, and the webhook.
An organisation's billing pages live in org_routes.py, under /orgs/<org_slug>/billing/."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.billing import checkout, gateway, plans, stripe_pages, webhooks
from portal.billing import service as billing_service
from portal.billing.forms import CheckoutForm, EmptyForm
from portal.extensions import csrf, db
from portal.orgs import service as orgs_service
from portal.timeutil import utcnow

log = logging.getLogger(__name__)
bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.get("/pricing")
def pricing() -> str:
    vat = current_app.config["VAT_RATE_PERCENT"]
    orgs = orgs_service.owned_orgs(current_user) if current_user.is_authenticated else []
    return render_template(
        "billing/pricing.html",
        individual=plans.active_plans(plans.INDIVIDUAL),
        organisation=plans.active_plans(plans.ORGANISATION),
        vat=vat,
        with_vat=plans.with_vat,
        payments_on=gateway.enabled(),
        owned_orgs=orgs,
        subscription=billing_service.user_subscription(current_user)
        if current_user.is_authenticated
        else None,
        form=EmptyForm(),
    )


@bp.post("/checkout")
@login_required
def start_checkout() -> Response:
    form = CheckoutForm()
    if not form.validate_on_submit():
        abort(400)
    return stripe_pages.to_checkout(current_user._get_current_object(), form.plan.data, 1)


@bp.get("/success")
@login_required
def success() -> str:
    attempt = checkout.attempt_by_session(request.args.get("session_id", ""))
    if attempt is None or attempt.started_by_id != current_user.id:
        abort(404)
    subscription = None
    if attempt.stripe_subscription_id:
        subscription = billing_service.mirror_row(attempt.stripe_subscription_id)
    ready = subscription is not None and subscription.is_live
    return render_template(
        "billing/success.html", attempt=attempt, ready=ready, subscription=subscription
    )


@bp.get("/cancelled")
def cancelled() -> Response:
    flash(_("Betalingen ble avbrutt. Ingenting er trukket."), "info")
    return redirect(url_for("billing.pricing"))


@bp.get("/manage")
@login_required
def manage() -> str:
    return render_template(
        "billing/manage.html",
        subscription=billing_service.user_subscription(current_user),
        form=EmptyForm(),
        now=utcnow(),
    )


@bp.post("/manage")
@login_required
def open_portal() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    return stripe_pages.to_portal(
        current_user._get_current_object(), stripe_pages.public_url("billing.manage")
    )


@bp.get("/orgs/<slug>/manage")
def old_org_manage(slug: str) -> Response:
    """The organisation's billing page moved under /orgs/<slug>/billing/ (links in old mails)."""
    return redirect(url_for("org_billing.manage", org_slug=slug), code=301)


@bp.post("/webhook")
@csrf.exempt
def webhook() -> tuple[str, int]:
    """Verify, store by event id, answer at once; a worker does the processing."""
    try:
        event = webhooks.check_shape(
            gateway.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
        )
    except webhooks.MalformedEvent as exc:
        log.warning("webhook refused, signed but malformed: %s", exc)
        return "not an event", 400
    except ValueError as exc:
        log.warning("webhook refused: %s", exc)
        return "invalid signature", 400
    stored = webhooks.receive(event)
    db.session.commit()
    return ("ok" if stored else "duplicate"), 200

"""Billing pages: pricing, checkout and its return pages, the Customer Portal, and the webhook."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.billing import banner, checkout, gateway, plans, webhooks
from portal.billing import service as billing_service
from portal.billing.errors import BillingError
from portal.billing.forms import CheckoutForm, EmptyForm, OrgCheckoutForm, SeatsForm
from portal.billing.models import ACCESS_STATUSES
from portal.billing.org_access import org_for_billing, owned_orgs
from portal.extensions import csrf, db
from portal.orgs.models import Organization
from portal.templating import current_locale
from portal.timeutil import utcnow

bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.app_context_processor
def _billing_globals() -> dict[str, object]:
    # A function, so pages that never show the banner never query for it.
    return {
        "billing_payment_problem": lambda fresh=False: banner.cached_payment_problem(
            current_user, fresh=fresh
        ),
        "paywall_offer": lambda: plans.consumer_offer(current_app.config["VAT_RATE_PERCENT"]),
        "billing_payments_on": gateway.enabled,
    }


@bp.get("/pricing")
def pricing() -> str:
    vat = current_app.config["VAT_RATE_PERCENT"]
    orgs = owned_orgs(current_user) if current_user.is_authenticated else []
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


def _public_url(endpoint: str, **values: str) -> str:
    # Stripe sends the member back to these: use the public BASE_URL, not the request's host.
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _urls() -> tuple[str, str]:
    success = _public_url("billing.success") + "?session_id={CHECKOUT_SESSION_ID}"
    return success, _public_url("billing.cancelled")


def _start(owner: User | Organization, plan_code: str, seats: int) -> Response:
    plan = plans.get_by_code(plan_code)
    if plan is None:
        abort(400)
    success, cancel = _urls()
    try:
        url = checkout.start_checkout(
            owner, plan, seats, current_user, success, cancel, current_locale()
        )
    except BillingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("billing.pricing"), code=303)
    except (gateway.GatewayError, gateway.PaymentsOff):
        db.session.rollback()
        current_app.logger.exception("checkout could not start")
        flash(_("Betalingen kunne ikke startes akkurat nå. Prøv igjen om litt."), "error")
        return redirect(url_for("billing.pricing"), code=303)
    db.session.commit()
    return redirect(url, code=303)


@bp.post("/checkout")
@login_required
def start_checkout() -> Response:
    form = CheckoutForm()
    if not form.validate_on_submit():
        abort(400)
    return _start(current_user._get_current_object(), form.plan.data, 1)


@bp.post("/orgs/<org_slug>/checkout")
@login_required
def start_org_checkout(org_slug: str) -> Response | tuple[str, int]:
    org = org_for_billing(org_slug, current_user, manage=True)
    form = OrgCheckoutForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("billing.pricing"), code=303)
    return _start(org, form.plan.data, form.seats.data)


@bp.get("/success")
@login_required
def success() -> str:
    attempt = checkout.attempt_by_session(request.args.get("session_id", ""))
    if attempt is None or attempt.started_by_id != current_user.id:
        abort(404)
    subscription = None
    if attempt.stripe_subscription_id:
        subscription = billing_service.mirror_row(attempt.stripe_subscription_id)
    ready = subscription is not None and subscription.status in ACCESS_STATUSES
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
    return _portal(current_user._get_current_object(), _public_url("billing.manage"))


def _portal(owner: User | Organization, return_url: str) -> Response:
    try:
        url = checkout.portal_url(owner, return_url)
    except BillingError as exc:
        flash(str(exc), "error")
        return redirect(urlsplit(return_url).path, code=303)
    except (gateway.GatewayError, gateway.PaymentsOff):
        current_app.logger.exception("portal session could not start")
        flash(_("Betalingsportalen er ikke tilgjengelig akkurat nå."), "error")
        return redirect(urlsplit(return_url).path, code=303)
    return redirect(url, code=303)


@bp.get("/orgs/<org_slug>/manage")
@login_required
def org_manage(org_slug: str) -> str:
    org = org_for_billing(org_slug, current_user, manage=False)
    subscription = billing_service.org_subscription(org)
    form = SeatsForm(seats=subscription.quantity if subscription else org.seat_limit)
    return render_template("billing/org_manage.html", **_org_context(org, form))


def _org_context(org: Organization, form: SeatsForm) -> dict[str, object]:
    return {
        "org": org,
        "subscription": billing_service.org_subscription(org),
        "seats_used": billing_service.seats_used(org),
        "can_manage": billing_service.is_owner(org, current_user),
        "form": form,
        "portal_form": EmptyForm(),
        "now": utcnow(),
    }


@bp.post("/orgs/<org_slug>/portal")
@login_required
def org_portal(org_slug: str) -> Response:
    org = org_for_billing(org_slug, current_user, manage=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _portal(org, _public_url("billing.org_manage", org_slug=org.slug))


@bp.post("/orgs/<org_slug>/seats")
@login_required
def org_seats(org_slug: str) -> Response | tuple[str, int]:
    org = org_for_billing(org_slug, current_user, manage=True)
    form = SeatsForm()
    if form.validate_on_submit():
        try:
            billing_service.change_seats(org, form.seats.data, current_user, request.remote_addr)
        except BillingError as exc:
            db.session.rollback()
            form.seats.errors = [str(exc)]
        except (gateway.GatewayError, gateway.PaymentsOff):
            db.session.rollback()
            current_app.logger.exception("seat change failed")
            form.seats.errors = [_("Stripe svarte ikke. Prøv igjen om litt.")]
        else:
            db.session.commit()
            flash(_("Antall plasser er endret."), "success")
            return redirect(url_for("billing.org_manage", org_slug=org.slug), code=303)
    return render_template("billing/org_manage.html", **_org_context(org, form)), 422


@bp.post("/webhook")
@csrf.exempt
def webhook() -> tuple[str, int]:
    """Verify, store by event id, answer at once; a worker does the processing."""
    try:
        event = gateway.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except ValueError:
        return "invalid signature", 400
    if event.get("object") != "event" or not event.get("id"):
        return "not an event", 400
    stored = webhooks.receive(event)
    db.session.commit()
    return ("ok" if stored else "duplicate"), 200

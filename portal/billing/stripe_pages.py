"""Sending a payer to Stripe's hosted pages (Checkout, Customer Portal) and back: shared by the
member's billing pages and an organisation's."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.billing import checkout, gateway, plans
from portal.billing.errors import BillingError
from portal.extensions import db
from portal.orgs.models import Organization
from portal.templating import current_locale


def public_url(endpoint: str, **values: str) -> str:
    """Stripe sends the payer back to these: use the public BASE_URL, not the request's host."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def to_checkout(owner: User | Organization, plan_code: str, seats: int) -> Response:
    """Open a Checkout Session for `owner` and redirect there; a refusal goes back to pricing."""
    plan = plans.get_by_code(plan_code)
    if plan is None:
        abort(400)
    success = public_url("billing.success") + "?session_id={CHECKOUT_SESSION_ID}"
    cancel = public_url("billing.cancelled")
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


def to_portal(owner: User | Organization, return_url: str) -> Response:
    """Open a Customer Portal session for `owner` that returns to `return_url`."""
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

"""An organisation's billing pages under /orgs/<org_slug>/billing/, behind the organisations'
door (org_blueprint): owners manage, admins look, outsiders get 404."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.billing import gateway, stripe_pages
from portal.billing import service as billing_service
from portal.billing.errors import BillingError
from portal.billing.forms import EmptyForm, OrgCheckoutForm, SeatsForm
from portal.extensions import db
from portal.orgs.blueprint import org_blueprint, require_role
from portal.timeutil import utcnow

bp = org_blueprint("org_billing", __name__, "/billing")


def _manage_page(form: SeatsForm, status: int = 200) -> tuple[str, int]:
    org = g.org
    return render_template(
        "billing/org_manage.html",
        org=org,
        membership=g.membership,
        subscription=billing_service.org_subscription(org),
        seats_used=billing_service.seats_used(org),
        form=form,
        portal_form=EmptyForm(),
        now=utcnow(),
    ), status


@bp.get("/")
@require_role("admin")
def manage() -> tuple[str, int]:
    subscription = billing_service.org_subscription(g.org)
    return _manage_page(
        SeatsForm(seats=subscription.quantity if subscription else g.org.seat_limit)
    )


@bp.post("/checkout")
@require_role("owner")
def checkout() -> Response:
    form = OrgCheckoutForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("billing.pricing"), code=303)
    return stripe_pages.to_checkout(g.org, form.plan.data, form.seats.data)


@bp.post("/portal")
@require_role("owner")
def portal() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    return stripe_pages.to_portal(g.org, stripe_pages.public_url("org_billing.manage"))


@bp.post("/seats")
@require_role("owner")
def seats() -> Response | tuple[str, int]:
    form = SeatsForm()
    if form.validate_on_submit():
        try:
            billing_service.change_seats(
                g.org, form.seats.data, g.membership.user, request.remote_addr
            )
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
            return redirect(url_for("org_billing.manage"), code=303)
    return _manage_page(form, 422)

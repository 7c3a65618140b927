"""An organisation's billing pages under /orgs/<org_slug>/billing/, behind the organisations'
door (org_blueprint): owners manage, admins look, outsiders get 404."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.billing import gateway, stripe_pages
from portal.billing import service as billing_service
from portal.billing.forms import EmptyForm, OrgCheckoutForm, SeatsForm
from portal.form_flow import handle_form
from portal.orgs.blueprint import org_blueprint, require_role
from portal.refused import Refused
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
def seats() -> ResponseReturnValue:
    form = SeatsForm()

    def change() -> None:
        try:
            billing_service.change_seats(
                g.org, form.seats.data, g.membership.user, request.remote_addr
            )
        except (gateway.GatewayError, gateway.PaymentsOff) as exc:
            current_app.logger.exception("seat change failed")
            raise Refused(_("Stripe svarte ikke. Prøv igjen om litt.")) from exc

    return handle_form(
        form,
        page=lambda status: _manage_page(form, status),
        action=change,
        success="org_billing.manage",
        flash_message=_("Antall plasser er endret."),
        error_field="seats",
    )

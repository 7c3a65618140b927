"""Back office: organisations: list them, restore a soft-deleted one, set the seat limit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.form_flow import handle_form
from portal.orgs import deletion, scoping, service
from portal.orgs.forms import ActionForm, SeatLimitForm
from portal.staff.blueprint import bp, menu_item, staff_required


def _page(seat_form: SeatLimitForm | None = None, status: int = 200) -> tuple[str, int]:
    # Staff see every organisation: a marked cross-tenant read.
    with scoping.system_scope():
        rows = [
            (org, service.members_count(org), service.seats_used(org))
            for org in deletion.all_organizations()
        ]
    return render_template(
        "orgs/staff_list.html",
        rows=rows,
        action_form=ActionForm(formdata=None),
        seat_form=seat_form or SeatLimitForm(formdata=None),
    ), status


@bp.get("/organisations")
@staff_required("admin")
@menu_item(_l("Organisasjoner"))
def organisations() -> tuple[str, int]:
    return _page()


@bp.post("/organisations/<int:org_id>/restore")
@staff_required("admin")
def restore_organisation(org_id: int) -> Response:
    org = service.get_by_id(org_id, include_deleted=True)
    if org is None:
        abort(404)
    if ActionForm().validate_on_submit():
        deletion.restore_organization(org, current_user, ip=request.remote_addr)
        db.session.commit()
        flash(_("%(name)s er gjenopprettet.", name=org.name), "success")
    return redirect(url_for("staff.organisations"))


@bp.post("/organisations/<int:org_id>/seats")
@staff_required("admin")
def set_organisation_seats(org_id: int) -> ResponseReturnValue:
    org = service.get_by_id(org_id, include_deleted=True)
    if org is None:
        abort(404)
    form = SeatLimitForm()
    return handle_form(
        form,
        page=lambda status: _page(form, status),
        action=lambda: service.set_seat_limit(
            org, form.seats.data, current_user, ip=request.remote_addr
        ),
        success="staff.organisations",
        flash_message=lambda _row: _(
            "Antall plasser for %(name)s er %(n)s.", name=org.name, n=org.seat_limit
        ),
        error_field="seats",
    )

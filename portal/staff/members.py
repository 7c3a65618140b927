"""Back office: members and organisations with their subscription state; complimentary access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.billing import grants, overview
from portal.billing import service as billing_service
from portal.billing.forms import EmptyForm, GrantForm
from portal.extensions import db
from portal.form_flow import handle_form, to
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.staff.blueprint import bp, menu_item, staff_required


def _end_of(day: object) -> datetime | None:
    # A grant "until 31.12." lasts through that day (Oslo is at most 2 h ahead of UTC).
    return datetime.combine(day, time(23, 59), tzinfo=UTC) if day else None


@bp.get("/members")
@staff_required("admin")
@menu_item(_l("Medlemmer og abonnementer"))
def members() -> str:
    query = request.args.get("q", "")[:100]
    return render_template("staff/members.html", rows=overview.member_rows(query), query=query)


@bp.get("/members/organisations")
@staff_required("admin")
@menu_item(_l("Organisasjoner og abonnementer"))
def member_organisations() -> str:
    return render_template("staff/members_orgs.html", rows=overview.org_rows())


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _org_or_404(org_id: int) -> Organization:
    org = orgs_service.get_by_id(org_id)
    if org is None:
        abort(404)
    return org


def _member_page(user: User, form: GrantForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/members_detail.html",
        subject=user,
        kind="user",
        subscription=billing_service.user_subscription(user),
        grants=grants.grants_for_user(user),
        form=form,
        revoke_form=EmptyForm(formdata=None),
        grant_url=url_for("staff.grant_member", user_id=user.id),
    ), status


def _org_page(org: Organization, form: GrantForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "staff/members_detail.html",
        subject=org,
        kind="org",
        subscription=billing_service.org_subscription(org),
        grants=grants.grants_for_org(org),
        form=form,
        revoke_form=EmptyForm(formdata=None),
        grant_url=url_for("staff.grant_organisation", org_id=org.id),
    ), status


@bp.get("/members/<int:user_id>")
@staff_required("admin")
def member_detail(user_id: int) -> tuple[str, int]:
    return _member_page(_user_or_404(user_id), GrantForm(formdata=None))


@bp.get("/members/organisations/<int:org_id>")
@staff_required("admin")
def organisation_billing(org_id: int) -> tuple[str, int]:
    return _org_page(_org_or_404(org_id), GrantForm(formdata=None))


def _grant(
    subject: User | Organization,
    page: Callable[[Any, GrantForm, int], tuple[str, int]],
    give: Callable[..., Any],
    done: Callable[[Any], ResponseReturnValue],
) -> ResponseReturnValue:
    form = GrantForm()
    return handle_form(
        form,
        page=lambda status: page(subject, form, status),
        action=lambda: give(subject, form.reason.data, _end_of(form.ends_on.data), current_user),
        success=done,
        flash_message=_("Gratis tilgang er gitt til %(name)s.", name=subject.name),
        error_field="reason",
    )


@bp.post("/members/<int:user_id>/grants")
@staff_required("admin")
def grant_member(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    done = to("staff.member_detail", user_id=user.id)
    return _grant(user, _member_page, grants.grant_to_user, done)


@bp.post("/members/organisations/<int:org_id>/grants")
@staff_required("admin")
def grant_organisation(org_id: int) -> ResponseReturnValue:
    org = _org_or_404(org_id)
    done = to("staff.organisation_billing", org_id=org.id)
    return _grant(org, _org_page, grants.grant_to_org, done)


@bp.post("/grants/<int:grant_id>/revoke")
@staff_required("admin")
def revoke_grant(grant_id: int) -> Response:
    grant = grants.get(grant_id)
    if grant is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    grants.revoke(grant)
    db.session.commit()
    flash(_("Tilgangen er trukket tilbake."), "success")
    if grant.org_id is not None:
        return redirect(url_for("staff.organisation_billing", org_id=grant.org_id), code=303)
    return redirect(url_for("staff.member_detail", user_id=grant.user_id), code=303)

"""Pages outside one organisation: my organisations, create one, accept an invitation,
join by e-mail domain."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.form_flow import handle_form
from portal.orgs import domains, invitations, service
from portal.orgs.blueprint import bp, client_ip
from portal.orgs.forms import ActionForm, CreateOrgForm
from portal.orgs.models import Organization
from portal.orgs.service import OrgError


@bp.get("/")
@login_required
def index() -> str:
    return render_template(
        "orgs/index.html",
        memberships=service.memberships_for_user(current_user),
        joinable=domains.joinable_organizations(current_user),
        form=ActionForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    form = CreateOrgForm()
    if not current_user.is_verified:
        flash(_("Bekreft e-postadressen din før du oppretter en organisasjon."), "warning")
    return handle_form(
        form,
        page=lambda status: (render_template("orgs/new.html", form=form), status),
        action=lambda: service.create_organization(
            current_user,
            form.name.data or "",
            form.slug.data or "",
            form.billing_email.data or "",
            form.org_number.data,
            ip=client_ip(),
        ),  # fmt: skip
        success=lambda org: redirect(url_for("orgs.overview", org_slug=org.slug), code=303),
        flash_message=_created_message,
    )


def _created_message(org: Organization) -> str:
    if org.trial_ends_at is not None:
        return _("%(name)s er opprettet. Prøveperioden har startet.", name=org.name)
    return _(
        "%(name)s er opprettet. Prøveperioden er allerede brukt, så betalte artikler "
        "krever et abonnement.",
        name=org.name,
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> str | Response | tuple[str, int]:
    found = invitations.find_by_token(token)
    if found is None:
        return render_template("orgs/invitation_invalid.html", reason="unknown"), 404
    org = service.get_by_id(found.org_id)
    try:
        invitations.check_usable(found)
    except invitations.InvitationProblem as exc:
        return render_template("orgs/invitation_invalid.html", reason=exc.reason), 410
    form = ActionForm()
    if not current_user.is_authenticated:
        return render_template("orgs/invitation.html", invitation=found, org=org, form=form)
    if form.validate_on_submit():
        try:
            invitations.accept(found, current_user, ip=client_ip())
        except invitations.InvitationProblem as exc:
            if exc.reason == "seats_full":
                db.session.commit()  # the notice to the admins leaves; the invitation stays
            else:
                db.session.rollback()
            status = 403 if exc.reason == "wrong_user" else 409
            return render_template(
                "orgs/invitation.html", invitation=found, org=org, form=form, error=str(exc)
            ), status
        db.session.commit()
        flash(_("Velkommen til %(name)s!", name=org.name), "success")
        return redirect(url_for("orgs.overview", org_slug=org.slug))
    return render_template("orgs/invitation.html", invitation=found, org=org, form=form)


@bp.post("/join/<slug>")
@login_required
def join(slug: str) -> Response:
    org = service.get_by_slug(slug)
    form = ActionForm()
    # Only organisations offered to this user exist here: others (or bad forms) are a 404.
    if org is None or org not in domains.joinable_organizations(current_user):
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    try:
        domains.join(org, current_user, ip=client_ip())
    except OrgError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orgs.index"))
    db.session.commit()
    flash(_("Velkommen til %(name)s!", name=org.name), "success")
    return redirect(url_for("orgs.overview", org_slug=org.slug))

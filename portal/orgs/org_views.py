"""One organisation's pages: overview, settings with e-mail domains, audit log, deletion."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.orgs import audit, deletion, domains, service
from portal.orgs.blueprint import bp, client_ip, require_role
from portal.orgs.forms import ActionForm, DeleteOrgForm, DomainForm, SettingsForm
from portal.orgs.models import OrgDomain
from portal.orgs.service import OrgError
from portal.refused import Refused


@bp.get("/<org_slug>/")
def overview() -> str:
    org = g.org
    return render_template(
        "orgs/overview.html",
        org=org,
        membership=g.membership,
        seats_used=service.seats_used(org),
        members_count=service.members_count(org),
    )


def _settings_page(
    settings_form: SettingsForm, domain_form: DomainForm, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "orgs/settings.html",
        org=g.org,
        membership=g.membership,
        form=settings_form,
        domain_form=domain_form,
        domains=domains.domains(g.org),
        action_form=ActionForm(),
    ), status


@bp.route("/<org_slug>/settings", methods=["GET", "POST"])
@require_role("admin")
def settings() -> tuple[str, int] | Response:
    org = g.org
    form = SettingsForm(obj=org)
    if form.validate_on_submit():
        try:
            service.update_settings(
                org, g.membership.user, form.name.data or "", form.billing_email.data or "",
                form.org_number.data, ip=client_ip(),
                may_change_billing=g.membership.has_role("owner"),
            )  # fmt: skip
        except OrgError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            return _settings_page(form, DomainForm(formdata=None), 422)
        db.session.commit()
        flash(_("Innstillingene er lagret."), "success")
        return redirect(url_for("orgs.settings"))
    status = 422 if form.is_submitted() else 200
    return _settings_page(form, DomainForm(formdata=None), status)


@bp.post("/<org_slug>/settings/domains")
@require_role("admin")
def add_domain() -> tuple[str, int] | Response:
    form = DomainForm()
    if form.validate_on_submit():
        try:
            domains.add_domain(g.org, g.membership.user, form.domain.data or "", ip=client_ip())
        except OrgError as exc:
            db.session.rollback()
            form.domain.errors = [str(exc)]
            return _settings_page(SettingsForm(formdata=None, obj=g.org), form, 422)
        db.session.commit()
        flash(_("Domenet er lagt til."), "success")
        return redirect(url_for("orgs.settings"))
    return _settings_page(SettingsForm(formdata=None, obj=g.org), form, 422)


@bp.post("/<org_slug>/settings/domains/<int:domain_id>/delete")
@require_role("admin")
def remove_domain(domain_id: int) -> Response:
    row = OrgDomain.get_for_org_or_404(g.org, domain_id)
    if ActionForm().validate_on_submit():
        domains.remove_domain(g.org, g.membership.user, row, ip=client_ip())
        db.session.commit()
        flash(_("Domenet er fjernet."), "success")
    return redirect(url_for("orgs.settings"))


@bp.get("/<org_slug>/audit")
@require_role("admin")
def audit_log() -> str:
    return render_template(
        "orgs/audit.html", org=g.org, membership=g.membership, entries=audit.entries(g.org)
    )


@bp.route("/<org_slug>/delete", methods=["GET", "POST"])
@require_role("owner")
def delete() -> str | Response | tuple[str, int]:
    form = DeleteOrgForm()
    if form.validate_on_submit():
        try:
            deletion.delete_organization(
                g.org, g.membership, form.confirm_name.data or "", ip=client_ip()
            )
        except Refused as exc:
            db.session.rollback()
            form.confirm_name.errors = [str(exc)]
            return render_template(
                "orgs/delete.html", org=g.org, membership=g.membership, form=form
            ), 422
        db.session.commit()
        flash(_("%(name)s er slettet.", name=g.org.name), "success")
        return redirect(url_for("orgs.index"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "orgs/delete.html", org=g.org, membership=g.membership, form=form
    ), status

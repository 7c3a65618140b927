"""One organisation's pages: overview, settings with e-mail domains, audit log, deletion."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.form_flow import handle_form
from portal.orgs import audit, deletion, domains, service
from portal.orgs.blueprint import bp, client_ip, require_role
from portal.orgs.forms import ActionForm, DeleteOrgForm, DomainForm, SettingsForm
from portal.orgs.models import OrgDomain


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
def settings() -> ResponseReturnValue:
    org = g.org
    form = SettingsForm(obj=org)
    return handle_form(
        form,
        page=lambda status: _settings_page(form, DomainForm(formdata=None), status),
        action=lambda: service.update_settings(
            org,
            g.membership.user,
            form.name.data or "",
            form.billing_email.data or "",
            form.org_number.data,
            ip=client_ip(),
            may_change_billing=g.membership.can("manage_billing"),
        ),  # fmt: skip
        success="orgs.settings",
        flash_message=_("Innstillingene er lagret."),
    )


@bp.post("/<org_slug>/settings/domains")
@require_role("admin")
def add_domain() -> ResponseReturnValue:
    form = DomainForm()
    return handle_form(
        form,
        page=lambda status: _settings_page(SettingsForm(formdata=None, obj=g.org), form, status),
        action=lambda: domains.add_domain(
            g.org, g.membership.user, form.domain.data or "", ip=client_ip()
        ),
        success="orgs.settings",
        flash_message=_("Domenet er lagt til."),
        error_field="domain",
    )


@bp.post("/<org_slug>/settings/domains/<int:domain_id>/delete")
@require_role("admin")
def remove_domain(domain_id: int) -> ResponseReturnValue:
    row = OrgDomain.get_for_org_or_404(g.org, domain_id)
    return handle_form(
        ActionForm(),
        page=lambda _status: redirect(url_for("orgs.settings"), code=303),
        action=lambda: domains.remove_domain(g.org, g.membership.user, row, ip=client_ip()),
        success="orgs.settings",
        flash_message=_("Domenet er fjernet."),
    )


@bp.get("/<org_slug>/audit")
@require_role("admin")
def audit_log() -> str:
    return render_template(
        "orgs/audit.html", org=g.org, membership=g.membership, entries=audit.entries(g.org)
    )


@bp.route("/<org_slug>/delete", methods=["GET", "POST"])
@require_role("owner")
def delete() -> ResponseReturnValue:
    form = DeleteOrgForm()
    return handle_form(
        form,
        page=lambda status: (
            render_template("orgs/delete.html", org=g.org, membership=g.membership, form=form),
            status,
        ),
        action=lambda: deletion.delete_organization(
            g.org, g.membership, form.confirm_name.data or "", ip=client_ip()
        ),
        success="orgs.index",
        flash_message=_("%(name)s er slettet.", name=g.org.name),
        error_field="confirm_name",
    )

"""One organisation's members (roles, removal, leaving, ownership) and invitations."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.extensions import db, limiter
from portal.orgs import invitations, service
from portal.orgs.blueprint import bp, client_ip, require_role
from portal.orgs.forms import ActionForm, InviteForm, RoleForm
from portal.orgs.models import Invitation, Membership
from portal.orgs.service import OrgError


def _members_page(status: int = 200, error: str | None = None) -> tuple[str, int]:
    org = g.org
    return render_template(
        "orgs/members.html",
        org=org,
        membership=g.membership,
        members=service.members(org),
        seats_used=service.seats_used(org),
        pending_count=service.pending_invitations_count(org),
        role_form=RoleForm(formdata=None),
        action_form=ActionForm(formdata=None),
        error=error,
    ), status


@bp.get("/<org_slug>/members")
def members() -> tuple[str, int]:
    return _members_page()


def _member_action(action: str, membership_id: int) -> tuple[str, int] | Response:
    """Run one member action; a broken rule re-renders the page with the message, unchanged."""
    target = Membership.get_for_org_or_404(g.org, membership_id)
    form = RoleForm() if action == "role" else ActionForm()
    if not form.validate_on_submit():
        return _members_page(422, _("Ugyldig skjema. Prøv igjen."))
    try:
        if action == "role":
            service.change_role(g.org, g.membership, target, form.role.data, client_ip())
        elif action == "remove":
            service.remove_member(g.org, g.membership, target, client_ip())
        else:
            service.transfer_ownership(g.org, g.membership, target, client_ip())
    except OrgError as exc:
        db.session.rollback()
        return _members_page(422, str(exc))
    db.session.commit()
    flash(_("Endringen er lagret."), "success")
    return redirect(url_for("orgs.members"))


@bp.post("/<org_slug>/members/<int:membership_id>/role")
@require_role("admin")
def change_role(membership_id: int) -> tuple[str, int] | Response:
    return _member_action("role", membership_id)


@bp.post("/<org_slug>/members/<int:membership_id>/remove")
@require_role("admin")
def remove_member(membership_id: int) -> tuple[str, int] | Response:
    return _member_action("remove", membership_id)


@bp.post("/<org_slug>/members/<int:membership_id>/transfer")
@require_role("owner")
def transfer_ownership(membership_id: int) -> tuple[str, int] | Response:
    return _member_action("transfer", membership_id)


@bp.post("/<org_slug>/leave")
def leave() -> tuple[str, int] | Response:
    if not ActionForm().validate_on_submit():
        return _members_page(422, _("Ugyldig skjema. Prøv igjen."))
    name = g.org.name
    try:
        service.remove_member(g.org, g.membership, g.membership, client_ip())
    except OrgError as exc:
        db.session.rollback()
        return _members_page(422, str(exc))
    db.session.commit()
    flash(_("Du har forlatt %(name)s.", name=name), "success")
    return redirect(url_for("orgs.index"))


def _invite_limit() -> str:
    return current_app.config["ORG_INVITE_RATE_LIMIT"]


def _org_key() -> str:
    # Per organisation: many admins cannot multiply the number of mails it sends.
    return f"orgs-invite:{g.org.id}"


# Counts only POSTs that reach the view (members of the org); outsiders were 404 before.
invite_limited = limiter.limit(_invite_limit, key_func=_org_key, methods=["POST"])


def _invitations_page(form: InviteForm, status: int = 200) -> tuple[str, int]:
    org = g.org
    return render_template(
        "orgs/invitations.html",
        org=org,
        membership=g.membership,
        form=form,
        invitations=invitations.pending(org),
        seats_used=service.seats_used(org),
        action_form=ActionForm(formdata=None),
    ), status


@bp.route("/<org_slug>/invitations", methods=["GET", "POST"])
@require_role("admin")
@invite_limited
def invitations_page() -> tuple[str, int] | Response:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitations.invite(
                g.org, g.membership.user, form.email.data or "", form.role.data, client_ip()
            )
        except OrgError as exc:
            db.session.rollback()
            form.email.errors = [str(exc)]
            return _invitations_page(form, 422)
        db.session.commit()
        flash(_("Invitasjonen er sendt til %(email)s.", email=form.email.data), "success")
        return redirect(url_for("orgs.invitations_page"))
    return _invitations_page(form, 422 if form.is_submitted() else 200)


def _invitation_action(invitation_id: int, action: str) -> tuple[str, int] | Response:
    found = Invitation.get_for_org_or_404(g.org, invitation_id)
    if not ActionForm().validate_on_submit():
        return _invitations_page(InviteForm(formdata=None), 422)
    try:
        if action == "resend":
            invitations.resend(g.org, g.membership.user, found, client_ip())
        else:
            invitations.revoke(g.org, g.membership.user, found, client_ip())
    except OrgError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _invitations_page(InviteForm(formdata=None), 422)
    db.session.commit()
    flash(_("Invitasjonen er oppdatert."), "success")
    return redirect(url_for("orgs.invitations_page"))


@bp.post("/<org_slug>/invitations/<int:invitation_id>/resend")
@require_role("admin")
@invite_limited
def resend_invitation(invitation_id: int) -> tuple[str, int] | Response:
    return _invitation_action(invitation_id, "resend")


@bp.post("/<org_slug>/invitations/<int:invitation_id>/revoke")
@require_role("admin")
def revoke_invitation(invitation_id: int) -> tuple[str, int] | Response:
    return _invitation_action(invitation_id, "revoke")

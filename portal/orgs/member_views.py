"""One organisation's members (roles, removal, leaving, ownership) and invitations."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.extensions import limiter
from portal.form_flow import first_error, handle_form
from portal.orgs import invitations, service
from portal.orgs.blueprint import bp, client_ip, require_role
from portal.orgs.forms import ActionForm, InviteForm, RoleForm
from portal.orgs.models import Invitation, Membership


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


def _refused_page(form: FlaskForm) -> Callable[[int], tuple[str, int]]:
    # The members page shows one line: the refusal, or that the form itself was broken.
    return lambda status: _members_page(status, first_error(form, _("Ugyldig skjema. Prøv igjen.")))


def _member_action(action: str, membership_id: int) -> ResponseReturnValue:
    """Run one member action; a broken rule re-renders the page with the message, unchanged."""
    target = Membership.get_for_org_or_404(g.org, membership_id)
    form = RoleForm() if action == "role" else ActionForm()

    def act() -> None:
        if action == "role":
            service.change_role(g.org, g.membership, target, form.role.data, client_ip())
        elif action == "remove":
            service.remove_member(g.org, g.membership, target, client_ip())
        else:
            service.transfer_ownership(g.org, g.membership, target, client_ip())

    return handle_form(
        form,
        page=_refused_page(form),
        action=act,
        success="orgs.members",
        flash_message=_("Endringen er lagret."),
    )


@bp.post("/<org_slug>/members/<int:membership_id>/role")
@require_role("admin")
def change_role(membership_id: int) -> ResponseReturnValue:
    return _member_action("role", membership_id)


@bp.post("/<org_slug>/members/<int:membership_id>/remove")
@require_role("admin")
def remove_member(membership_id: int) -> ResponseReturnValue:
    return _member_action("remove", membership_id)


@bp.post("/<org_slug>/members/<int:membership_id>/transfer")
@require_role("owner")
def transfer_ownership(membership_id: int) -> ResponseReturnValue:
    return _member_action("transfer", membership_id)


@bp.post("/<org_slug>/leave")
def leave() -> ResponseReturnValue:
    form = ActionForm()
    return handle_form(
        form,
        page=_refused_page(form),
        action=lambda: service.remove_member(g.org, g.membership, g.membership, client_ip()),
        success="orgs.index",
        flash_message=_("Du har forlatt %(name)s.", name=g.org.name),
    )


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
def invitations_page() -> ResponseReturnValue:
    form = InviteForm()
    return handle_form(
        form,
        page=lambda status: _invitations_page(form, status),
        action=lambda: invitations.invite(
            g.org, g.membership.user, form.email.data or "", form.role.data, client_ip()
        ),
        success="orgs.invitations_page",
        flash_message=lambda _invitation: _(
            "Invitasjonen er sendt til %(email)s.", email=form.email.data
        ),
        error_field="email",
    )


def _invitation_action(invitation_id: int, action: str) -> ResponseReturnValue:
    found = Invitation.get_for_org_or_404(g.org, invitation_id)
    form = ActionForm()

    def refused(status: int) -> tuple[str, int]:
        for message in form.form_errors:
            flash(message, "error")
        return _invitations_page(InviteForm(formdata=None), status)

    def act() -> None:
        if action == "resend":
            invitations.resend(g.org, g.membership.user, found, client_ip())
        else:
            invitations.revoke(g.org, g.membership.user, found, client_ip())

    return handle_form(
        form,
        page=refused,
        action=act,
        success="orgs.invitations_page",
        flash_message=_("Invitasjonen er oppdatert."),
    )


@bp.post("/<org_slug>/invitations/<int:invitation_id>/resend")
@require_role("admin")
@invite_limited
def resend_invitation(invitation_id: int) -> ResponseReturnValue:
    return _invitation_action(invitation_id, "resend")


@bp.post("/<org_slug>/invitations/<int:invitation_id>/revoke")
@require_role("admin")
def revoke_invitation(invitation_id: int) -> ResponseReturnValue:
    return _invitation_action(invitation_id, "revoke")

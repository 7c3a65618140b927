"""Invitations by e-mail: single-use, expiring links bound to the invited address.

A pending invitation holds a seat. Accepting needs a logged-in, verified user whose e-mail
is the invited one; when the organisation has no free seat the owners and admins are told.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.service import find_by_email, normalise_email
from portal.extensions import db
from portal.mail import service as mail
from portal.orgs import audit, scoping, service
from portal.orgs.models import ROLES, Invitation, Membership, Organization
from portal.orgs.service import OrgError
from portal.timeutil import utcnow


class InvitationProblem(OrgError):
    """The invitation link cannot be used; `reason` is unknown, expired, used, revoked,
    wrong_user or seats_full."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def absolute_link(endpoint: str, **values: str) -> str:
    """A link from BASE_URL (mails never depend on a request's Host header, or on a request)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expiry() -> timedelta:
    return timedelta(days=current_app.config["ORG_INVITATION_DAYS"])


def pending(org: Organization) -> list[Invitation]:
    """Invitations not yet accepted, revoked or expired, newest first."""
    query = Invitation.select_for(org).where(
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    scoping.use_org(org)
    return list(db.session.scalars(query.order_by(Invitation.created_at.desc())))


def invite(
    org: Organization, actor: User, email: str, role: str, ip: str | None = None
) -> Invitation:
    """Invite an address: not already a member, not already invited, and a seat must be free."""
    scoping.use_org(org)
    email = normalise_email(email)
    if role not in ROLES or role == "owner":
        raise OrgError(_("Velg rollen administrator, redaktør eller medlem."))
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise OrgError(_("Skriv en gyldig e-postadresse."))
    # Under the seat lock: two admins inviting the same address at once make one invitation.
    service.lock_seats(org)
    for membership in service.members(org):
        if normalise_email(membership.user.email) == email:
            raise OrgError(_("%(email)s er allerede medlem.", email=email))
    if any(inv.email == email for inv in pending(org)):
        raise OrgError(
            _("%(email)s er allerede invitert. Send invitasjonen på nytt i stedet.", email=email)
        )
    if service.seats_free(org) <= 0:
        raise OrgError(
            ngettext(
                "Den ene plassen er i bruk. Frigjør den eller kjøp flere.",
                "Alle %(num)s plassene er i bruk. Frigjør en plass eller kjøp flere.",
                org.seat_limit,
            )
        )
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        org_id=org.id,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by_id=actor.id,
        created_at=now,
        sent_at=now,
        expires_at=now + _expiry(),
    )
    db.session.add(invitation)
    db.session.flush()
    _send(org, actor, invitation, token)
    audit.record(org, actor, "invitation.sent", email, None, {"role": role}, ip)
    return invitation


def _send(org: Organization, actor: User, invitation: Invitation, token: str) -> None:
    link = absolute_link("orgs.invitation", token=token)
    # In the invitee's language when they already have an account, else bokmål.
    invitee = find_by_email(invitation.email)
    mail.queue(
        invitation.email,
        "orgs_invitation",
        invitee.locale if invitee is not None else "nb",
        key=f"orgs-invitation:{invitation.token_hash}",
        org_name=org.name,
        inviter_name=actor.name,
        role=invitation.role,
        link=link,
        expires_at=invitation.expires_at,
    )


def resend(org: Organization, actor: User, invitation: Invitation, ip: str | None = None) -> None:
    """Send a new link (the old one stops working) and restart the expiry."""
    scoping.use_org(org)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise OrgError(_("Invitasjonen er allerede brukt eller trukket tilbake."))
    if not invitation.is_pending(utcnow()):
        # An expired invitation takes a seat again: under the seat lock, like a new one.
        service.lock_seats(org)
        if service.seats_free(org) <= 0:
            raise OrgError(_("Alle plassene er i bruk."))
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.sent_at = utcnow()
    invitation.expires_at = invitation.sent_at + _expiry()
    db.session.flush()
    _send(org, actor, invitation, token)
    audit.record(org, actor, "invitation.resent", invitation.email, None, None, ip)


def revoke(org: Organization, actor: User, invitation: Invitation, ip: str | None = None) -> None:
    """Withdraw an unused invitation; its seat is freed."""
    scoping.use_org(org)
    if invitation.accepted_at is not None:
        raise OrgError(_("Invitasjonen er allerede brukt."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        db.session.flush()
        audit.record(org, actor, "invitation.revoked", invitation.email, None, None, ip)


def find_by_token(token: str) -> Invitation | None:
    """The invitation for a link token, of any organisation (a marked cross-tenant look-up:
    the token itself is the proof, and only its hash is stored)."""
    if not token or len(token) > 200:
        return None
    with scoping.system_scope():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == _hash(token))
        )
    if invitation is None:
        return None
    org = service.get_by_id(invitation.org_id)
    if org is None:
        return None
    scoping.use_org(org)
    return invitation


def check_usable(invitation: Invitation) -> None:
    """Raise InvitationProblem if the link is used, revoked or expired."""
    if invitation.accepted_at is not None:
        raise InvitationProblem("used", _("Denne invitasjonen er allerede brukt."))
    if invitation.revoked_at is not None:
        raise InvitationProblem("revoked", _("Denne invitasjonen er trukket tilbake."))
    if invitation.expires_at <= utcnow():
        raise InvitationProblem(
            "expired", _("Invitasjonen har utløpt. Be om en ny fra organisasjonen.")
        )


def accept(invitation: Invitation, user: User, ip: str | None = None) -> Membership:
    """Join the organisation: the link must be usable, the user verified and at the invited
    address, and a seat free (else owners and admins get a mail about it)."""
    org = service.get_by_id(invitation.org_id)
    if org is None:
        raise InvitationProblem("unknown", _("Invitasjonen finnes ikke."))
    scoping.use_org(org)
    check_usable(invitation)
    if normalise_email(user.email) != invitation.email or not user.is_verified:
        raise InvitationProblem(
            "wrong_user",
            _(
                "Invitasjonen er sendt til %(email)s. Logg inn med den adressen (bekreftet) "
                "for å takke ja.",
                email=invitation.email,
            ),
        )
    if service.membership_for(org, user) is not None:
        raise InvitationProblem("used", _("Du er allerede medlem av %(name)s.", name=org.name))
    service.lock_seats(org)
    # Read the invitation again under a row lock: a second click, or a revoke or resend that
    # committed meanwhile, must see what the first one did (single use, never a 500).
    token_hash = invitation.token_hash
    db.session.refresh(invitation, with_for_update=True)
    if invitation.token_hash != token_hash:
        raise InvitationProblem("unknown", _("Invitasjonen finnes ikke."))
    check_usable(invitation)
    if service.membership_for(org, user) is not None:
        raise InvitationProblem("used", _("Du er allerede medlem av %(name)s.", name=org.name))
    # This invitation already holds one of the seats counted by members_count + pending.
    if service.members_count(org) >= org.seat_limit:
        _tell_admins_seats_full(org, invitation)
        raise InvitationProblem(
            "seats_full",
            _(
                "%(name)s har ingen ledige plasser akkurat nå. Administratorene har fått beskjed.",
                name=org.name,
            ),
        )
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    db.session.flush()
    return service.add_member(org, user, invitation.role, user, "invitation.accepted", ip)


def _tell_admins_seats_full(org: Organization, invitation: Invitation) -> None:
    day = utcnow().strftime("%Y-%m-%d")
    for membership in service.members(org):
        if membership.can("manage_members"):
            mail.queue(
                membership.user.email,
                "orgs_seats_full",
                membership.user.locale or "nb",
                key=f"orgs-seats-full:{org.id}:{invitation.id}:{membership.user_id}:{day}",
                org_name=org.name,
                invitee=invitation.email,
                seat_limit=org.seat_limit,
                link=absolute_link("orgs.members", org_slug=org.slug),
            )

"""Domain join: verified users with an e-mail at an organisation's domain join with one click.

An admin may add a domain only when their own verified e-mail is at it, and never a public
mailbox provider's domain.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import audit, scoping, service
from portal.orgs.models import Membership, Organization, OrgDomain
from portal.orgs.service import OrgError
from portal.orgs.validation import email_domain, is_free_mail, is_valid_domain, normalise_domain


def domains(org: Organization) -> list[OrgDomain]:
    scoping.use_org(org)
    return list(db.session.scalars(OrgDomain.select_for(org).order_by(OrgDomain.domain)))


def add_domain(org: Organization, actor: User, value: str, ip: str | None = None) -> OrgDomain:
    """Allow a domain: well-formed, not free mail, the actor's own verified address's domain,
    and not already on the list."""
    scoping.use_org(org)
    domain = normalise_domain(value)
    if not is_valid_domain(domain):
        raise OrgError(_("Skriv et gyldig domene, for eksempel firma.no."))
    if is_free_mail(domain):
        raise OrgError(_("%(domain)s er en åpen e-posttjeneste og kan ikke brukes.", domain=domain))
    if not actor.is_verified or email_domain(actor.email) != domain:
        raise OrgError(
            _(
                "Du kan bare legge til domenet til din egen bekreftede e-postadresse (%(domain)s).",
                domain=email_domain(actor.email),
            )
        )
    service.lock_seats(org)  # the organisation's lock: a double submit adds the domain once
    if any(existing.domain == domain for existing in domains(org)):
        raise OrgError(_("%(domain)s er allerede lagt til.", domain=domain))
    row = OrgDomain(org_id=org.id, domain=domain, added_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(org, actor, "domain.added", domain, None, {"domain": domain}, ip)
    return row


def remove_domain(org: Organization, actor: User, row: OrgDomain, ip: str | None = None) -> None:
    scoping.use_org(org)
    domain = row.domain
    db.session.delete(row)
    db.session.flush()
    audit.record(org, actor, "domain.removed", domain, {"domain": domain}, None, ip)


def joinable_organizations(user: User) -> list[Organization]:
    """Live organisations that allow the user's verified e-mail domain, that the user is not
    in, and that have a free seat. A marked cross-tenant look-up (by the user's own domain)."""
    if user is None or not user.is_authenticated or not user.is_verified:
        return []
    domain = email_domain(user.email)
    if is_free_mail(domain):
        return []
    with scoping.system_scope():
        org_ids = set(
            db.session.scalars(select(OrgDomain.org_id).where(OrgDomain.domain == domain))
        )
        mine = set(
            db.session.scalars(select(Membership.org_id).where(Membership.user_id == user.id))
        )
        found = []
        for org_id in sorted(org_ids - mine):
            org = service.get_by_id(org_id)
            if org is None:
                continue
            with scoping.org_scope(org):
                if service.seats_free(org) > 0:
                    found.append(org)
    return found


def join(org: Organization, user: User, ip: str | None = None) -> Membership:
    """Join by e-mail domain, while seats allow."""
    if org not in joinable_organizations(user):
        if service.get_by_id(org.id) is not None and service.membership_for(org, user):
            raise OrgError(_("Du er allerede medlem av %(name)s.", name=org.name))
        raise OrgError(
            _("Du kan ikke bli med i %(name)s med e-postadressen din nå.", name=org.name)
        )
    scoping.use_org(org)
    service.lock_seats(org)
    if service.seats_free(org) <= 0:
        raise OrgError(_("%(name)s har ingen ledige plasser.", name=org.name))
    return service.add_member(org, user, "member", user, "member.joined_by_domain", ip)

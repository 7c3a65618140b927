"""Organisation operations: create, settings, memberships and roles, seats (deleting: deletion.py).

Services add and flush; the caller commits. Each function that takes an organisation scopes
the session to it (portal.orgs.scoping), so row-level security lets its rows through.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, InvalidRequestError

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import audit, scoping, trials
from portal.orgs.mixins import MAX_ID
from portal.orgs.models import (
    DEFAULT_SEAT_LIMIT,
    ROLES,
    Invitation,
    Membership,
    Organization,
)
from portal.orgs.validation import (
    is_valid_org_number,
    normalise_org_number,
    slug_problem,
)
from portal.refused import Refused
from portal.timeutil import utcnow


class OrgError(Refused):
    """A rule of organisations was broken; the message is safe to show to the user."""


def _scope(org: Organization) -> None:
    if scoping.current_org_id() != org.id:
        scoping.use_org(org)


# --- look-ups -------------------------------------------------------------------------------


def get_by_slug(slug: str, *, include_deleted: bool = False) -> Organization | None:
    """The organisation with this slug; soft-deleted ones only when asked for (staff)."""
    query = select(Organization).where(Organization.slug == slug)
    if not include_deleted:
        query = query.where(Organization.deleted_at.is_(None))
    return db.session.scalar(query)


def get_by_id(org_id: int, *, include_deleted: bool = False) -> Organization | None:
    if not 0 < org_id <= MAX_ID:
        return None
    org = db.session.get(Organization, org_id)
    if org is None or (org.deleted_at is not None and not include_deleted):
        return None
    return org


def membership_for(org: Organization, user: User) -> Membership | None:
    """The user's membership of `org` (one query; visible through the user's own-rows policy)."""
    scoping.use_user(user)
    return db.session.scalar(
        select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id)
    )


def memberships_for_user(user: User) -> list[Membership]:
    """The user's memberships of live organisations, by organisation name."""
    scoping.use_user(user)
    query = (
        select(Membership)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Membership.user_id == user.id, Organization.deleted_at.is_(None))
        .order_by(Organization.name)
    )
    return list(db.session.scalars(query))


def owned_orgs(user: User) -> list[Organization]:
    """The live organisations the user owns (they may buy and manage seats for them)."""
    return [m.org for m in memberships_for_user(user) if m.can("manage_billing")]


def members(org: Organization) -> list[Membership]:
    _scope(org)
    query = (
        Membership.select_for(org)
        .join(User, User.id == Membership.user_id)
        .order_by(Membership.created_at, Membership.id)
    )
    return list(db.session.scalars(query))


def members_count(org: Organization) -> int:
    _scope(org)
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.org_id == org.id)
    )


def pending_invitations_count(org: Organization) -> int:
    _scope(org)
    return db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.org_id == org.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )


def lock_seats(org: Organization) -> None:
    """Serialise seat-taking operations of one organisation (row lock until commit), so two
    concurrent joins cannot both take the last seat. SQLite serialises writers anyway.

    The row is read again under the lock: a seat limit lowered by whoever held it counts."""
    db.session.refresh(org, with_for_update=True)


def seats_used(org: Organization) -> int:
    """Seats taken: every membership plus every pending (unexpired, unrevoked) invitation."""
    return members_count(org) + pending_invitations_count(org)


def seats_free(org: Organization) -> int:
    return max(0, org.seat_limit - seats_used(org))


def owners(org: Organization) -> list[Membership]:
    return [m for m in members(org) if m.role == "owner"]


# --- creating and editing -------------------------------------------------------------------


def check_slug(slug: str) -> None:
    """Raise OrgError unless the slug is well-formed, not reserved and free."""
    problem = slug_problem(slug)
    if problem == "format":
        raise OrgError(
            _("Adressenavnet kan bare ha små bokstaver a–z, tall og bindestrek (maks 60 tegn).")
        )
    if problem == "reserved":
        raise OrgError(_("Adressenavnet «%(slug)s» er reservert. Velg et annet.", slug=slug))
    if get_by_slug(slug, include_deleted=True) is not None:
        raise OrgError(_("Adressenavnet «%(slug)s» er allerede i bruk.", slug=slug))


def clean_org_number(value: str | None) -> str | None:
    """The normalised organisation number, or None; raise OrgError when it is invalid."""
    number = normalise_org_number(value)
    if number is not None and not is_valid_org_number(number):
        raise OrgError(_("Organisasjonsnummeret er ikke gyldig (9 siffer med kontrollsiffer)."))
    return number


def create_organization(
    creator: User,
    name: str,
    slug: str,
    billing_email: str,
    org_number: str | None = None,
    ip: str | None = None,
) -> Organization:
    """Create an organisation with `creator` as owner, with a trial if the creator has
    not had one (trials.start_trial: one per person and per e-mail domain).

    Only verified users may create one; the slug must be free and not reserved.
    """
    if not creator.is_verified:
        raise OrgError(_("Bekreft e-postadressen din før du oppretter en organisasjon."))
    slug = slug.strip().lower()
    name = name.strip()
    if not name:
        raise OrgError(_("Organisasjonen må ha et navn."))
    check_slug(slug)
    number = clean_org_number(org_number)
    org = Organization(
        name=name,
        slug=slug,
        org_number=number,
        billing_email=billing_email.strip().lower(),
        seat_limit=DEFAULT_SEAT_LIMIT,
    )
    try:
        with db.session.begin_nested():
            db.session.add(org)
    except IntegrityError:
        # The same address taken by a concurrent request (a double submit) since the check.
        raise OrgError(_("Adressenavnet «%(slug)s» er allerede i bruk.", slug=slug)) from None
    _scope(org)
    db.session.add(Membership(org_id=org.id, user_id=creator.id, role="owner"))
    db.session.flush()
    trials.start_trial(org, creator)
    audit.record(org, creator, "org.created", org.slug, None, _settings_snapshot(org), ip)
    return org


def _settings_snapshot(org: Organization) -> dict[str, Any]:
    return {"name": org.name, "org_number": org.org_number, "billing_email": org.billing_email}


def update_settings(
    org: Organization,
    actor: User,
    name: str,
    billing_email: str,
    org_number: str | None,
    ip: str | None = None,
    *,
    may_change_billing: bool = True,
) -> None:
    """Change the organisation's name, billing e-mail and organisation number.

    The billing e-mail belongs to billing, which only owners manage (DESIGN.md's role
    table): for anyone else it is left as it is."""
    _scope(org)
    name = name.strip()
    if not name:
        raise OrgError(_("Organisasjonen må ha et navn."))
    number = clean_org_number(org_number)
    before = _settings_snapshot(org)
    org.name = name
    if may_change_billing:
        org.billing_email = billing_email.strip().lower()
    org.org_number = number
    after = _settings_snapshot(org)
    if after != before:
        db.session.flush()
        audit.record(org, actor, "org.settings_changed", org.slug, before, after, ip)


def set_seat_limit(org: Organization, n: int, actor: User | None, ip: str | None = None) -> None:
    """Set the number of seats (staff until billing lands, then the plan's quantity).

    Lowering it below the seats in use is allowed (nobody is removed), but no one new joins.
    """
    if n < 1 or n > 100_000:
        raise OrgError(_("Antall plasser må være mellom 1 og 100 000."))
    _scope(org)
    before = org.seat_limit
    if before == n:
        return
    org.seat_limit = n
    db.session.flush()
    audit.record(
        org, actor, "org.seat_limit_changed", org.slug, {"seats": before}, {"seats": n}, ip
    )


# --- memberships and roles ------------------------------------------------------------------


def _lock_roles(org: Organization, *memberships: Membership) -> None:
    """Serialise role changes of one organisation (its row lock, until commit) and re-read the
    memberships involved, so two owners acting at once can never leave it without an owner."""
    lock_seats(org)
    for membership in memberships:
        try:
            db.session.refresh(membership)
        except InvalidRequestError:  # removed by the request that held the lock
            raise OrgError(_("Ukjent medlem.")) from None


def _owner_count(org: Organization) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.org_id == org.id, Membership.role == "owner")
    )


def add_member(
    org: Organization, user: User, role: str, actor: User | None, action: str, ip: str | None
) -> Membership:
    """Add a membership (the callers check seats). An existing member is an error."""
    _scope(org)
    if role not in ROLES:
        raise OrgError(_("Ukjent rolle."))
    if membership_for(org, user) is not None:
        raise OrgError(_("%(email)s er allerede medlem.", email=user.email))
    membership = Membership(org_id=org.id, user_id=user.id, role=role)
    db.session.add(membership)
    # A pending invitation to the new member's address is used up by this membership (e.g.
    # they joined by domain instead), so it no longer holds a second seat.
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.org_id == org.id,
            func.lower(Invitation.email) == user.email.lower(),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(accepted_at=now, accepted_by_id=user.id)
    )
    db.session.flush()
    audit.record(org, actor, action, user.email, None, {"role": role}, ip)
    return membership


def change_role(
    org: Organization, actor_membership: Membership, target: Membership, role: str, ip: str | None
) -> None:
    """Change a member's role. Only owners grant or take the owner role; admins manage
    admins, editors and members; the last owner cannot lose the role."""
    _scope(org)
    if role not in ROLES:
        raise OrgError(_("Ukjent rolle."))
    if target.org_id != org.id:
        raise OrgError(_("Ukjent medlem."))
    _lock_roles(org, actor_membership, target)
    if not (actor_membership.can_grant(role) and actor_membership.can_manage(target)):
        raise OrgError(_("Bare eiere kan gi eller ta bort eierrollen."))
    if target.role == role:
        return
    if target.role == "owner" and _owner_count(org) <= 1:
        raise OrgError(_("Organisasjonen må ha minst én eier. Gi eierrollen til en annen først."))
    before = target.role
    target.role = role
    db.session.flush()
    audit.record(
        org, actor_membership.user, "member.role_changed", target.user.email,
        {"role": before}, {"role": role}, ip,
    )  # fmt: skip


def remove_member(
    org: Organization, actor_membership: Membership, target: Membership, ip: str | None
) -> None:
    """Remove a member (or, when actor and target are the same, leave). Admins cannot remove
    owners; the last owner can neither leave nor be removed."""
    _scope(org)
    if target.org_id != org.id:
        raise OrgError(_("Ukjent medlem."))
    _lock_roles(org, actor_membership, target)
    leaving = target.id == actor_membership.id
    if target.role == "owner":
        if not leaving and not actor_membership.can_remove(target):
            raise OrgError(_("Bare eiere kan fjerne en eier."))
        if _owner_count(org) <= 1:
            raise OrgError(
                _("Du er eneste eier. Overfør eierskapet eller slett organisasjonen først.")
            )
    email, role = target.user.email, target.role
    db.session.delete(target)
    db.session.flush()
    action = "member.left" if leaving else "member.removed"
    audit.record(org, actor_membership.user, action, email, {"role": role}, None, ip)


def transfer_ownership(
    org: Organization, actor_membership: Membership, target: Membership, ip: str | None
) -> None:
    """Make `target` an owner and the acting owner an admin."""
    _scope(org)
    if target.org_id != org.id:
        raise OrgError(_("Ukjent medlem."))
    _lock_roles(org, actor_membership, target)
    if not actor_membership.can("manage_owners"):
        raise OrgError(_("Bare eiere kan overføre eierskapet."))
    if target.org_id != org.id or target.id == actor_membership.id:
        raise OrgError(_("Velg et annet medlem å overføre eierskapet til."))
    before = {"from": actor_membership.user.email, "to_role": target.role}
    target.role = "owner"
    actor_membership.role = "admin"
    db.session.flush()
    after = {"from_role": "admin", "to": target.user.email}
    audit.record(org, actor_membership.user, "org.ownership_transferred", target.user.email,
                 before, after, ip)  # fmt: skip


# --- accounts ---------------------------------------------------------------------------

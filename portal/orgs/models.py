"""Organisations (the tenants), their memberships, invitations, e-mail domains and audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.mixins import OrgScoped
from portal.timeutil import UTCDateTime, utcnow

ROLES = ("owner", "admin", "editor", "member")
# Higher rank includes the rights of the lower ones.
ROLE_RANK = {"member": 1, "editor": 2, "admin": 3, "owner": 4}
# What each role may do in its organisation (DESIGN.md, "Organisation roles"): the lowest role
# with the right. Services, views and templates ask Membership.can(); none restates a role.
PERMISSIONS = {
    "read": "member",
    "edit_workspace": "editor",
    "manage_members": "admin",
    "manage_settings": "admin",
    "view_audit": "admin",
    "view_billing": "admin",
    "manage_billing": "owner",
    "manage_owners": "owner",
    "delete_org": "owner",
}
DEFAULT_SEAT_LIMIT = 5


class Organization(db.Model):
    """A member organisation; not row-level secured: its slug is resolved before membership."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str | None] = mapped_column(String(9))
    billing_email: Mapped[str] = mapped_column(String(254))
    seat_limit: Mapped[int] = mapped_column(Integer, default=DEFAULT_SEAT_LIMIT)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Soft delete: the organisation is gone for everyone but staff until it is purged.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.slug}>"


class Membership(OrgScoped, db.Model):
    """A user's place (and seat) in an organisation, with one role."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id", name="uq_memberships_org_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    org: Mapped[Organization] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def can(self, permission: str) -> bool:
        """Whether this member's role grants `permission` (a key of PERMISSIONS)."""
        return self.has_role(PERMISSIONS[permission])

    def can_manage(self, other: Membership) -> bool:
        """Change the role of / remove `other`: admins manage admins, editors and members;
        only owners touch an owner."""
        if other.role == "owner":
            return self.can("manage_owners")
        return self.can("manage_members")

    def can_grant(self, role: str) -> bool:
        """Give someone `role`: only owners make owners."""
        return self.can("manage_owners" if role == "owner" else "manage_members")

    def can_remove(self, other: Membership) -> bool:
        """Remove another member (leaving is its own action)."""
        return other.id != self.id and self.can_manage(other)

    def can_hand_ownership_to(self, other: Membership) -> bool:
        return other.id != self.id and self.can("manage_owners")


class Invitation(OrgScoped, db.Model):
    """A single-use, expiring e-mail invitation bound to one address; pending ones hold a seat."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    # Only a hash of the token is kept; the token itself is only in the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def is_pending(self, at: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and at < self.expires_at


class OrgDomain(OrgScoped, db.Model):
    """An e-mail domain whose verified users may join the organisation with one click."""

    __tablename__ = "org_domains"
    __table_args__ = (UniqueConstraint("org_id", "domain", name="uq_org_domains_org_id_domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrgAuditEntry(OrgScoped, db.Model):
    """One append-only audit record: who did what to whom, when, from where, before and after."""

    __tablename__ = "org_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship(lazy="joined")


class TrialClaim(db.Model):
    """One organisation trial, remembered against who started it: a person and an e-mail
    domain get one trial each, however many organisations they create (docs/organisations.md).

    Not tenant data (it is read across organisations) and kept when the organisation is
    purged or the person deletes their account: only a hash of the address is kept.
    """

    __tablename__ = "org_trial_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The unique keys make a concurrent second claim fail instead of both succeeding.
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # None for public mail services, where a domain is not one organisation.
    email_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

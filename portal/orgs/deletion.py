"""Deleting organisations: soft delete by an owner, restore by staff, purge after 30 days."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import audit, scoping
from portal.orgs.hooks import org_hooks
from portal.orgs.models import Membership, Organization
from portal.orgs.service import OrgError
from portal.timeutil import utcnow


def delete_organization(
    org: Organization, actor_membership: Membership, typed_name: str, ip: str | None
) -> None:
    """Soft-delete: an owner confirms by typing the name; staff can restore it for
    ORG_PURGE_AFTER_DAYS, after which orgs.purge_deleted removes it for good. The
    organisation's subscription is cancelled at once (a deleted organisation never pays)."""
    scoping.use_org(org)
    if not actor_membership.can("delete_org"):
        raise OrgError(_("Bare eiere kan slette organisasjonen."))
    if typed_name.strip() != org.name:
        raise OrgError(_("Skriv organisasjonens navn nøyaktig for å bekrefte slettingen."))
    for hook in org_hooks().on_delete:
        hook(org)
    org.deleted_at = utcnow()
    db.session.flush()
    audit.record(org, actor_membership.user, "org.deleted", org.slug, None, None, ip)


def restore_organization(org: Organization, actor: User, ip: str | None = None) -> None:
    """Undo a soft delete (staff)."""
    if org.deleted_at is None:
        return
    org.deleted_at = None
    db.session.flush()
    audit.record(org, actor, "org.restored", org.slug, None, None, ip)


def purge_deleted() -> int:
    """Remove organisations soft-deleted more than ORG_PURGE_AFTER_DAYS ago, with all their
    rows (cascading foreign keys). Returns how many were purged."""
    cutoff = utcnow() - timedelta(days=current_app.config["ORG_PURGE_AFTER_DAYS"])
    with scoping.system_scope():
        result = db.session.execute(
            delete(Organization).where(
                Organization.deleted_at.is_not(None), Organization.deleted_at < cutoff
            )
        )
        db.session.flush()
    return result.rowcount or 0


def all_organizations() -> list[Organization]:
    """Every organisation, deleted ones included (staff)."""
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))

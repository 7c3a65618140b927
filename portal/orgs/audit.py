"""The organisation audit log: append-only records of membership, role, invitation and other
events (on PostgreSQL the runtime role cannot update or delete them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs.models import Organization, OrgAuditEntry


def record(
    org: Organization,
    actor: User | None,
    action: str,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> OrgAuditEntry:
    """Append one event to `org`'s log (in the current transaction; flushed, not committed).

    Other domains (billing, workspace) call this for their organisation events too.
    """
    if scoping.current_org_id() != org.id:
        scoping.use_org(org)
    entry = OrgAuditEntry(
        org_id=org.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        target=target,
        before=before,
        after=after,
        ip=ip,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def entries_query(org: Organization) -> Select[tuple[OrgAuditEntry]]:
    """The organisation's log, newest first."""
    return OrgAuditEntry.select_for(org).order_by(
        OrgAuditEntry.created_at.desc(), OrgAuditEntry.id.desc()
    )


def entries(org: Organization, limit: int = 200) -> list[OrgAuditEntry]:
    return list(db.session.scalars(entries_query(org).limit(limit)))

"""Fixtures of the organisation tests: organisations with members in each role."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import scoping, service
from portal.orgs.models import Invitation, Membership, Organization, OrgAuditEntry, OrgDomain

_counter = itertools.count(1)


@dataclass
class Tenant:
    org: Organization
    owner: User
    admin: User
    editor: User
    member: User

    def user(self, role: str) -> User:
        return getattr(self, role)


@pytest.fixture
def make_org(app: Flask, create_user: Callable[..., User]) -> Callable[..., Organization]:
    """Factory: an organisation owned by `owner` (a fresh user unless given), flushed."""

    def factory(owner: User | None = None, *, slug: str | None = None, name: str | None = None,
                seats: int | None = None) -> Organization:  # fmt: skip
        n = next(_counter)
        owner = owner or create_user(name="Eier")
        org = service.create_organization(
            owner, name or f"Org {n}", slug or f"org-{n}", f"faktura{n}@example.org"
        )
        if seats is not None:
            service.set_seat_limit(org, seats, None)
        return org

    return factory


@pytest.fixture
def add_member(app: Flask) -> Callable[[Organization, User, str], Membership]:
    def add(org: Organization, user: User, role: str = "member") -> Membership:
        with scoping.org_scope(org):
            return service.add_member(org, user, role, None, "member.added", None)

    return add


def _tenant(make_org, create_user, add_member, slug: str, name: str) -> Tenant:  # noqa: ANN001
    owner = create_user(f"owner@{slug}.test", name=f"Eier {name}")
    org = make_org(owner, slug=slug, name=name, seats=10)
    people = {"owner": owner}
    for role in ("admin", "editor", "member"):
        people[role] = create_user(f"{role}@{slug}.test", name=f"{role.title()} {name}")
        add_member(org, people[role], role)
    return Tenant(org=org, **people)


@pytest.fixture
def acme(make_org, create_user, add_member) -> Tenant:  # noqa: ANN001
    return _tenant(make_org, create_user, add_member, "acme", "Acme AS")


@pytest.fixture
def fjord(make_org, create_user, add_member) -> Tenant:  # noqa: ANN001
    return _tenant(make_org, create_user, add_member, "fjord", "Fjord kommune")


def snapshot(org: Organization) -> dict[str, Any]:
    """Everything of one organisation's rows that a write could change."""
    with scoping.system_scope():
        db.session.expire_all()
        fresh = db.session.get(Organization, org.id)
        return {
            "org": (fresh.name, fresh.slug, fresh.seat_limit, fresh.deleted_at, fresh.org_number),
            "members": sorted(
                db.session.execute(
                    select(Membership.id, Membership.user_id, Membership.role).where(
                        Membership.org_id == org.id
                    )
                ).all()
            ),
            "invitations": sorted(
                db.session.execute(
                    select(
                        Invitation.id,
                        Invitation.token_hash,
                        Invitation.revoked_at,
                        Invitation.accepted_at,
                        Invitation.expires_at,
                    ).where(Invitation.org_id == org.id)
                ).all()
            ),  # fmt: skip
            "domains": sorted(
                db.session.execute(
                    select(OrgDomain.id, OrgDomain.domain).where(OrgDomain.org_id == org.id)
                ).all()
            ),
            "audit": db.session.scalar(select(func.count()).where(OrgAuditEntry.org_id == org.id)),
        }

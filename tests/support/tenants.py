"""Tenant fixtures for every domain: organisations, members in each role, the standing tenants
`acme` and `fjord`, and the registry of id kinds that the tenancy sweep tries across tenants."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import domains, invitations, scoping, service
from portal.orgs.models import Invitation, Membership, Organization, OrgDomain
from portal.workspace.models import (
    Benefit,
    Goal,
    Item,
    Measure,
    Risk,
    SectionContent,
    Snapshot,
    Workbook,
)
from tests.workspace.factories import populate_workspace

ROLES = ("owner", "admin", "editor", "member")
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
def make_org(create_user: Callable[..., User]) -> Callable[..., Organization]:
    """Factory: an organisation owned by `owner` (a fresh user unless given), flushed.

    `trial=False` ends the trial the service starts; `seats` sets the seat limit.
    """

    def factory(owner: User | None = None, *, slug: str | None = None, name: str | None = None,
                seats: int | None = None, trial: bool = True,
                billing_email: str | None = None) -> Organization:  # fmt: skip
        n = next(_counter)
        owner = owner or create_user(name="Eier")
        org = service.create_organization(
            owner,
            name or f"Org {n}",
            slug or f"org-{n}-{owner.id}",
            billing_email or f"faktura{n}@example.org",
        )
        if seats is not None:
            service.set_seat_limit(org, seats, None)
        if not trial:
            org.trial_ends_at = None
        return org

    return factory


@pytest.fixture
def add_member(app: Flask) -> Callable[[Organization, User, str], Membership]:
    """Factory: add `user` to `org` with `role` (flushed)."""

    def add(org: Organization, user: User, role: str = "member") -> Membership:
        with scoping.org_scope(org):
            return service.add_member(org, user, role, None, "member.added", None)

    return add


def _tenant(make_org, create_user, add_member, slug: str, name: str) -> Tenant:  # noqa: ANN001
    owner = create_user(f"owner@{slug}.test", name=f"Eier {name}")
    org = make_org(owner, slug=slug, name=name, seats=10)
    people = {"owner": owner}
    for role in ROLES[1:]:
        people[role] = create_user(f"{role}@{slug}.test", name=f"{role.title()} {name}")
        add_member(org, people[role], role)
    return Tenant(org=org, **people)


@pytest.fixture
def acme(make_org, create_user, add_member) -> Tenant:  # noqa: ANN001
    """Acme AS with an owner, an admin, an editor and a member (owner@acme.test …)."""
    return _tenant(make_org, create_user, add_member, "acme", "Acme AS")


@pytest.fixture
def fjord(make_org, create_user, add_member) -> Tenant:  # noqa: ANN001
    """Fjord kommune with an owner, an admin, an editor and a member (owner@fjord.test …)."""
    return _tenant(make_org, create_user, add_member, "fjord", "Fjord kommune")


# --- The id kinds of the tenancy sweep -------------------------------------------------------


@dataclass(frozen=True)
class IdKind:
    """A kind of tenant row addressed by id in organisation URLs (`<int:name>` in a route).

    `populate(tenant)` makes sure the tenant has at least one such row (flushed) and returns
    markers — strings that appear on the tenant's pages and must never show up elsewhere.
    """

    name: str
    model: type
    populate: Callable[[Tenant], list[str]]


ID_KINDS: dict[str, IdKind] = {}


def register_id_kind(name: str, model: type, populate: Callable[[Tenant], list[str]]) -> None:
    """Teach the sweep a new kind of id: one call per kind, next to the others below."""
    ID_KINDS[name] = IdKind(name, model, populate)


def populate_all(tenant: Tenant) -> list[str]:
    """Give the tenant a row of every registered kind; returns its markers."""
    markers = [tenant.org.name]
    for kind in ID_KINDS.values():
        markers += kind.populate(tenant)
    db.session.flush()
    return markers


def ids_of(tenant: Tenant) -> dict[str, int]:
    """One id of each registered kind for the tenant."""
    with scoping.system_scope():
        return {
            kind.name: db.session.scalar(
                select(kind.model.id).where(kind.model.org_id == tenant.org.id).limit(1)  # type: ignore[attr-defined]
            )
            for kind in ID_KINDS.values()
        }


def _invitation(t: Tenant) -> list[str]:
    address = f"colleague@{t.org.slug}.test"
    invitations.invite(t.org, t.owner, address, "member")
    return [address]


def _domain(t: Tenant) -> list[str]:
    domains.add_domain(t.org, t.owner, f"{t.org.slug}.test")
    return [f"{t.org.slug}.test"]


register_id_kind("membership_id", Membership, lambda t: [])
register_id_kind("invitation_id", Invitation, _invitation)
register_id_kind("domain_id", OrgDomain, _domain)

# The workspace's id kinds (one workbook per tenant holds a row of each).
register_id_kind("workbook_id", Workbook, populate_workspace)
register_id_kind("section_id", SectionContent, populate_workspace)
register_id_kind("item_id", Item, populate_workspace)
register_id_kind("goal_id", Goal, populate_workspace)
register_id_kind("measure_id", Measure, populate_workspace)
register_id_kind("benefit_id", Benefit, populate_workspace)
register_id_kind("risk_id", Risk, populate_workspace)
register_id_kind("snapshot_id", Snapshot, populate_workspace)

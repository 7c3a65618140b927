"""Organisation rules: numbers and slugs, owners, seats, deletion, purge, demo data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.accounts import demo as accounts_demo
from portal.accounts.deletion import deletion_blockers
from portal.extensions import db
from portal.orgs import audit, deletion, demo, scoping, service
from portal.orgs.models import Membership, Organization
from portal.orgs.service import OrgError
from portal.orgs.tasks import purge_deleted
from portal.orgs.validation import is_valid_org_number, slug_problem
from portal.timeutil import utcnow
from tests.support.tenants import Tenant


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("923609016", True),  # check digit 6
        ("974760673", True),  # Brønnøysundregistrene
        ("923609017", False),  # wrong check digit
        ("92360901", False),
        ("9236090161", False),
        ("92360901a", False),
        ("000000000", True),  # sum 0 → 11 → 0
        ("100000000", False),  # sum 3 → check 8, given 0
        ("100000008", True),
        ("000000400", False),  # sum 4*3=12 → 12 % 11 = 1 → check 10: never valid
        ("000000401", False),
    ],
)
def test_norwegian_organisation_numbers(number: str, valid: bool) -> None:
    assert is_valid_org_number(number) is valid


@pytest.mark.parametrize(
    ("slug", "problem"),
    [("acme", None), ("fjord-kommune", None), ("api", "reserved"), ("staff", "reserved"),
     ("new", "reserved"), ("admin", "reserved"), ("static", "reserved"), ("billing", "reserved"),
     ("login", "reserved"), ("Acme", "format"), ("-acme", "format"), ("a--b", "format"),
     ("æøå", "format"), ("", "format"), ("a" * 61, "format")],
)  # fmt: skip
def test_slug_rules(slug: str, problem: str | None) -> None:
    assert slug_problem(slug) == problem


def test_a_new_organisation_has_its_creator_as_owner_and_a_trial(
    app, make_org, create_user
) -> None:
    owner = create_user()
    org = make_org(owner)
    assert [(m.user_id, m.role) for m in service.members(org)] == [(owner.id, "owner")]
    assert org.seat_limit == 5 and service.seats_used(org) == 1
    days = (org.trial_ends_at - utcnow()).total_seconds() / 86400
    assert 13.9 < days <= 14
    assert [e.action for e in audit.entries(org)] == ["org.created"]


def test_memberships_for_user_lists_every_live_org(
    app, acme: Tenant, fjord: Tenant, add_member
) -> None:
    add_member(fjord.org, acme.member, "editor")
    names = [m.org.name for m in service.memberships_for_user(acme.member)]
    assert names == ["Acme AS", "Fjord kommune"]
    fjord.org.deleted_at = utcnow()
    db.session.flush()
    assert [m.org.name for m in service.memberships_for_user(acme.member)] == ["Acme AS"]


def test_the_last_owner_cannot_be_demoted_removed_or_leave(app, acme: Tenant) -> None:
    owner = service.membership_for(acme.org, acme.owner)
    with app.test_request_context():
        with pytest.raises(OrgError, match="minst én eier"):
            service.change_role(acme.org, owner, owner, "admin", None)
        with pytest.raises(OrgError, match="eneste eier"):
            service.remove_member(acme.org, owner, owner, None)
        admin = service.membership_for(acme.org, acme.admin)
        with pytest.raises(OrgError, match="Bare eiere"):
            service.change_role(acme.org, admin, admin, "owner", None)
        with pytest.raises(OrgError, match="Bare eiere"):
            service.remove_member(acme.org, admin, owner, None)
    assert owner.role == "owner" and admin.role == "admin"


def test_transfer_ownership_then_the_old_owner_may_leave(app, acme: Tenant) -> None:
    owner = service.membership_for(acme.org, acme.owner)
    editor = service.membership_for(acme.org, acme.editor)
    service.transfer_ownership(acme.org, owner, editor, "10.0.0.1")
    assert (owner.role, editor.role) == ("admin", "owner")
    service.remove_member(acme.org, owner, owner, None)
    assert service.membership_for(acme.org, acme.owner) is None
    actions = [(e.action, e.ip) for e in audit.entries(acme.org)][:2]
    assert actions == [("member.left", None), ("org.ownership_transferred", "10.0.0.1")]


def test_account_deletion_is_blocked_for_the_last_owner_only(app, acme: Tenant) -> None:
    with app.test_request_context():
        assert deletion_blockers(acme.owner) == [
            "Du er eneste eier av Acme AS. Overfør eierskapet eller slett organisasjonen "
            "før du sletter kontoen."
        ]
        assert deletion_blockers(acme.admin) == []
        admin = service.membership_for(acme.org, acme.admin)
        owner = service.membership_for(acme.org, acme.owner)
        service.change_role(acme.org, owner, admin, "owner", None)
        assert deletion_blockers(acme.owner) == []


def test_seat_limit_changes_are_audited(app, acme: Tenant, create_user) -> None:
    service.set_seat_limit(acme.org, 3, acme.owner)
    assert acme.org.seat_limit == 3
    entry = audit.entries(acme.org)[0]
    assert (entry.action, entry.before, entry.after) == (
        "org.seat_limit_changed",
        {"seats": 10},
        {"seats": 3},
    )
    with app.test_request_context(), pytest.raises(OrgError):
        service.set_seat_limit(acme.org, 0, acme.owner)


def test_soft_delete_restore_and_purge_after_thirty_days(app, acme: Tenant, fjord: Tenant) -> None:
    owner = service.membership_for(acme.org, acme.owner)
    with app.test_request_context(), pytest.raises(OrgError, match="navn"):
        deletion.delete_organization(acme.org, owner, "Acme", None)
    deletion.delete_organization(acme.org, owner, "Acme AS", None)
    assert service.get_by_slug("acme") is None
    assert service.get_by_slug("acme", include_deleted=True) is not None
    deletion.restore_organization(acme.org, acme.owner)
    assert service.get_by_slug("acme") is not None
    acme.org.deleted_at = utcnow() - timedelta(days=29)
    fjord.org.deleted_at = utcnow() - timedelta(days=31)
    db.session.flush()
    assert purge_deleted.run() == 1
    db.session.expire_all()
    assert db.session.get(Organization, fjord.org.id) is None
    assert db.session.get(Organization, acme.org.id) is not None
    with scoping.system_scope():
        orphans = db.session.scalars(select(Membership).where(Membership.org_id == fjord.org.id))
        assert list(orphans) == []


def test_demo_seed_is_idempotent(app) -> None:
    users = accounts_demo.seed()
    first = demo.seed(users)
    second = demo.seed(users)
    assert [o.slug for o in first] == ["acme", "fjord"] == [o.slug for o in second]
    acme = service.get_by_slug("acme")
    roles = {m.user.email: m.role for m in service.members(acme)}
    assert roles == {
        "owner@acme.example.com": "owner",
        "admin@acme.example.com": "admin",
        "editor@acme.example.com": "editor",
        "member@acme.example.com": "member",
    }
    fjord = service.get_by_slug("fjord")
    assert [(m.user.email, m.role) for m in service.members(fjord)] == [
        ("owner@fjord.example.com", "owner")
    ]


def test_org_scoped_rows_are_only_reached_through_their_organisation(
    app, acme: Tenant, fjord: Tenant
) -> None:
    acme_row = service.membership_for(acme.org, acme.member)
    assert Membership.get_for_org_or_404(acme.org, acme_row.id) is acme_row
    for org, ident in (
        (fjord.org, acme_row.id),
        (acme.org, "x"),
        (acme.org, None),
        (acme.org, 10**9),
    ):
        with pytest.raises(NotFound):
            Membership.get_for_org_or_404(org, ident)
    with scoping.system_scope():
        rows = db.session.scalars(Membership.select_for(fjord.org)).all()
    assert {m.org_id for m in rows} == {fjord.org.id} and len(rows) == 4

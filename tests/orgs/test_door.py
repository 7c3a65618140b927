"""The organisation door (door.py, migration 0012): one statement finds the organisation, the
membership and the organisation's access, and scopes the session; the same answers as the
Python rules, and nothing for outsiders."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from portal.accounts.models import User
from portal.billing import entitlements, grants
from portal.billing.models import Subscription
from portal.extensions import db
from portal.orgs import door, scoping, service
from portal.orgs.models import Membership, Organization
from portal.timeutil import utcnow
from tests.support.statements import counting
from tests.support.tenants import Tenant


def _settings() -> tuple[str, str]:
    row = db.session.execute(
        text(
            "SELECT current_setting('veivalg.org_id', true), "
            "current_setting('veivalg.user_id', true)"
        )
    ).one()
    return row[0] or "", row[1] or ""


def test_the_door_returns_every_column_of_both_models(app) -> None:
    assert set(door.ORG_COLUMNS) == set(Organization.__table__.c.keys())
    assert set(door.MEMBER_COLUMNS) == set(Membership.__table__.c.keys())


def test_a_member_comes_in_with_one_statement_and_the_session_is_scoped(app, acme: Tenant) -> None:
    db.session.info.pop(scoping.ORG_KEY, None)
    with counting() as statements:
        entry = door.enter("acme", acme.editor)
        assert entry is not None
        # The session's own objects, no second copy; the relationships from its identity map.
        assert entry.org is acme.org
        assert entry.membership.role == "editor" and entry.membership.user is acme.editor
        assert entry.membership.org is acme.org
    assert len(statements) == 1, statements
    assert scoping.current_org_id() == acme.org.id
    assert _settings() == (str(acme.org.id), str(acme.editor.id))


@pytest.mark.parametrize("who", ["outsider", "deleted", "unknown"])
def test_outsiders_deleted_and_unknown_organisations_get_nothing_and_no_scope(
    app, acme: Tenant, fjord: Tenant, who: str
) -> None:
    slug, user = "acme", fjord.owner
    if who == "deleted":
        acme.org.deleted_at = utcnow()
        db.session.flush()
        user = acme.owner
    elif who == "unknown":
        slug, user = "finnes-ikke", acme.owner
    db.session.info.pop(scoping.ORG_KEY, None)
    db.session.execute(text("SELECT set_config('veivalg.org_id', '', true)"))
    assert door.enter(slug, user) is None
    assert scoping.current_org_id() is None
    assert _settings() == ("", str(user.id))


def _subscription(
    org: Organization,
    status: str,
    *,
    ends_in: timedelta | None = None,
    cancel: bool = False,
    age: timedelta = timedelta(0),
) -> None:
    now = utcnow()
    db.session.add(
        Subscription(
            stripe_subscription_id=f"sub_{secrets.token_hex(6)}",
            stripe_customer_id=f"cus_{secrets.token_hex(6)}",
            org_id=org.id,
            status=status,
            cancel_at_period_end=cancel,
            updated_at=now - age,
            current_period_end=now + ends_in if ends_in is not None else None,
        )
    )
    db.session.flush()


def _ended_grant(org: Organization) -> None:
    grants.grant_to_org(org, "test").ends_at = utcnow() - timedelta(minutes=1)
    db.session.flush()


SCENARIOS: dict[str, Callable[[Organization], None]] = {
    "trial": lambda org: None,
    "lapsed": lambda org: setattr(org, "trial_ends_at", utcnow() - timedelta(minutes=1)),
    "active": lambda org: _subscription(org, "active"),
    "past_due": lambda org: _subscription(org, "past_due"),
    "canceled": lambda org: _subscription(org, "canceled"),
    "cancelling, in period": lambda org: _subscription(
        org, "active", ends_in=timedelta(days=2), cancel=True
    ),
    "cancelling, period over": lambda org: _subscription(
        org, "active", ends_in=-timedelta(minutes=1), cancel=True
    ),
    "older live, newer ended": lambda org: (
        _subscription(org, "active", age=timedelta(days=3)),
        _subscription(org, "canceled"),
    ),
    "grant": lambda org: grants.grant_to_org(org, "test"),
    "revoked grant": lambda org: grants.revoke(grants.grant_to_org(org, "test")),
    "ended grant": _ended_grant,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_doors_access_is_billings_answer(app, make_org, create_user, scenario: str) -> None:
    owner = create_user()
    org = make_org(owner, trial=scenario == "trial")
    SCENARIOS[scenario](org)
    db.session.flush()
    entry = door.enter(org.slug, owner)
    assert entry is not None
    assert entry.has_access is entitlements.org_has_access(service.get_by_slug(org.slug))
    assert entry.has_access is (
        scenario
        in {
            "trial",
            "active",
            "past_due",
            "cancelling, in period",
            "older live, newer ended",
            "grant",
        }
    )


def test_in_a_fresh_session_the_door_makes_loaded_objects_of_the_session(app, acme) -> None:
    """No object of the organisation in the session yet (as at the start of a request): the
    door's row becomes the session's organisation and membership, usable and changeable."""
    user_id = acme.editor.id
    db.session.expunge_all()
    editor = db.session.get(User, user_id)
    with counting() as statements:
        entry = door.enter("acme", editor)
        assert entry is not None
        assert entry.org.name == "Acme AS" and entry.org.seat_limit == 10
        assert entry.membership.user is editor and entry.membership.org is entry.org
    assert len(statements) == 1, statements
    assert entry.org in db.session and entry.org not in db.session.dirty
    entry.org.name = "Acme Endret AS"
    db.session.flush()
    db.session.expire_all()
    assert service.get_by_slug("acme").name == "Acme Endret AS"

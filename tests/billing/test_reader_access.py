"""The one-statement reader access (SQL function) gives the same answers as the Python rules."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import g

from portal.accounts.models import User
from portal.billing import banner, entitlements, grants, reader_access
from portal.billing.models import Subscription
from portal.extensions import db
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.timeutil import utcnow


def _subscription(status: str, *, user: User | None = None, org: Organization | None = None,
                  ends_in: timedelta | None = None, cancel: bool = False,
                  age: timedelta = timedelta(0)) -> Subscription:  # fmt: skip
    now = utcnow()
    row = Subscription(
        stripe_subscription_id=f"sub_{secrets.token_hex(6)}",
        stripe_customer_id=f"cus_{secrets.token_hex(6)}",
        user_id=user.id if user else None,
        org_id=org.id if org else None,
        status=status,
        current_period_end=now + ends_in if ends_in is not None else None,
        cancel_at_period_end=cancel,
        updated_at=now - age,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _python_answer(user: User) -> tuple[bool, list[tuple[int, str, str]], dict | None]:
    paid = entitlements._compute_paid_access(user)
    orgs = [(m.id, m.role, m.org.slug) for m in orgs_service.memberships_for_user(user)]
    payer = banner.payment_problem(user)
    problem = None
    if isinstance(payer, Organization):
        problem = {"name": payer.name, "slug": payer.slug}
    elif payer is not None:
        problem = {"name": payer.name}
    return paid, orgs, problem


def _sql_answer(user: User) -> tuple[bool, list[tuple[int, str, str]], dict | None]:
    g.pop("_reader_access", None)
    assert reader_access.load_user(user.id, user.session_version) is user
    found = reader_access.answered(user)
    assert found is not None
    orgs = [(m.id, m.role, m.org.slug) for m in found.memberships]
    return found.paid, orgs, found.payment_problem


Scenario = Callable[..., User]


def _plain(create_user, make_org, add_member) -> User:  # noqa: ANN001
    return create_user()


def _grant(create_user, make_org, add_member) -> User:  # noqa: ANN001
    user = create_user()
    grants.grant_to_user(user, "test")
    return user


def _revoked_grant(create_user, make_org, add_member) -> User:  # noqa: ANN001
    user = create_user()
    grants.revoke(grants.grant_to_user(user, "test"))
    return user


def _ended_grant(create_user, make_org, add_member) -> User:  # noqa: ANN001
    user = create_user()
    grant = grants.grant_to_user(user, "test")
    grant.ends_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    return user


def _future_grant(create_user, make_org, add_member) -> User:  # noqa: ANN001
    user = create_user()
    grant = grants.grant_to_user(user, "test")
    grant.starts_at = utcnow() + timedelta(days=1)
    db.session.flush()
    return user


def _own(status: str, **kwargs: object) -> Scenario:
    def scenario(create_user, make_org, add_member) -> User:  # noqa: ANN001
        user = create_user()
        _subscription(status, user=user, **kwargs)
        return user

    return scenario


def _older_live_newer_ended(create_user, make_org, add_member) -> User:  # noqa: ANN001
    user = create_user()
    _subscription("active", user=user, age=timedelta(days=3))
    _subscription("canceled", user=user)
    return user


def _newer_live_ends(create_user, make_org, add_member) -> User:  # noqa: ANN001
    user = create_user()
    _subscription("active", user=user, age=timedelta(days=3))
    _subscription("active", user=user, ends_in=timedelta(minutes=-1), cancel=True)
    return user


def _seat(trial: bool, status: str | None = None, role: str = "member", *, org_grant: bool = False,
          deleted: bool = False) -> Scenario:  # fmt: skip
    def scenario(create_user, make_org, add_member) -> User:  # noqa: ANN001
        user = create_user()
        org = make_org(trial=trial)
        if role == "owner":
            org = make_org(user, trial=trial)
        else:
            add_member(org, user, role)
        make_org(user, trial=False, name="Aaa tom")  # a second organisation, without access
        if status:
            _subscription(status, org=org)
        if org_grant:
            grants.grant_to_org(org, "test")
        if deleted:
            org.deleted_at = utcnow()
            db.session.flush()
        return user

    return scenario


SCENARIOS = {
    "plain member": _plain,
    "grant": _grant,
    "revoked grant": _revoked_grant,
    "ended grant": _ended_grant,
    "grant not yet started": _future_grant,
    "own active": _own("active"),
    "own past_due": _own("past_due"),
    "own canceled": _own("canceled"),
    "own unpaid": _own("unpaid"),
    "own cancelled at period end, still running": _own(
        "active", cancel=True, ends_in=timedelta(days=2)
    ),
    "own cancelled at period end, ended": _own("active", cancel=True, ends_in=timedelta(days=-1)),
    "older live, newer ended": _older_live_newer_ended,
    "newer live one has ended": _newer_live_ends,
    "seat in a trial": _seat(trial=True),
    "seat, no trial, no subscription": _seat(trial=False),
    "seat, active subscription": _seat(trial=False, status="active"),
    "seat, canceled subscription": _seat(trial=False, status="canceled"),
    "owner, past_due subscription": _seat(trial=False, status="past_due", role="owner"),
    "admin, past_due subscription": _seat(trial=False, status="past_due", role="admin"),
    "seat, organisation grant": _seat(trial=False, org_grant=True),
    "seat in a deleted organisation": _seat(trial=True, status="active", deleted=True),
}


PAID = {
    "grant", "own active", "own past_due", "own cancelled at period end, still running",
    "older live, newer ended", "seat in a trial", "seat, active subscription",
    "owner, past_due subscription", "admin, past_due subscription", "seat, organisation grant",
}  # fmt: skip


@pytest.mark.parametrize("name", SCENARIOS)
def test_sql_function_agrees_with_the_python_rules(
    app, create_user, make_org, add_member, name: str
) -> None:
    user = SCENARIOS[name](create_user, make_org, add_member)
    answer = _sql_answer(user)
    assert answer == _python_answer(user)
    assert answer[0] is (name in PAID), "the scenario itself is not what its name says"


def test_old_session_version_loads_nobody(app, create_user) -> None:
    user = create_user()
    assert reader_access.load_user(user.id, user.session_version + 1) is None
    assert reader_access.load_user(user.id + 10_000, 1) is None


def test_the_answer_is_only_for_its_own_user(app, create_user) -> None:
    first, second = create_user(), create_user()
    grants.grant_to_user(first, "test")
    reader_access.load_user(first.id, first.session_version)
    assert reader_access.answered(first) is not None
    assert reader_access.answered(second) is None

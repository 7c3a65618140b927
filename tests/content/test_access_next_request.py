"""A reader loses gated text on the very next request after their access ends (warm caches too)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.billing import grants
from portal.billing.models import Subscription
from portal.content.models import Article
from portal.extensions import db
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.content.conftest import CANARY


def _reads(client: FlaskClient, article: Article) -> bool:
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    return CANARY[article.access] in page


def test_a_revoked_grant_closes_the_paid_text_on_the_next_request(
    client: FlaskClient, canaries: dict[str, Article], create_user: Callable[..., User], login
) -> None:
    user = create_user()
    grant = grants.grant_to_user(user, "test")
    login(client, user)
    assert _reads(client, canaries["paid"]) and _reads(client, canaries["paid"])  # cache warm
    grants.revoke(grant)
    assert not _reads(client, canaries["paid"])
    assert _reads(client, canaries["members"])  # still a member


@pytest.mark.parametrize("how", ["log out everywhere", "password change"])
def test_ending_sessions_closes_every_gated_text_on_the_next_request(
    client: FlaskClient, canaries: dict[str, Article], readers, login, how: str
) -> None:
    login(client, readers.subscriber)
    assert _reads(client, canaries["paid"]) and _reads(client, canaries["members"])
    if how == "log out everywhere":
        accounts_service.end_other_sessions(readers.subscriber)
    else:
        accounts_service.change_password(readers.subscriber, PASSWORD, "et helt nytt passord 42")
    assert not _reads(client, canaries["paid"])
    assert not _reads(client, canaries["members"])


def _lapse_trial(org: Organization) -> None:
    org.trial_ends_at = utcnow() - timedelta(seconds=1)
    db.session.flush()


def _cancel_subscription(org: Organization) -> None:
    for row in db.session.scalars(select(Subscription).where(Subscription.org_id == org.id)):
        row.status = "canceled"
    db.session.flush()


def _delete(org: Organization) -> None:
    org.deleted_at = utcnow()
    db.session.flush()


@pytest.mark.parametrize(
    "lapse",
    [_lapse_trial, _cancel_subscription, _delete],
    ids=["trial ends", "subscription cancelled", "organisation deleted"],
)
def test_a_seat_loses_the_paid_text_when_the_organisation_lapses(
    client: FlaskClient,
    canaries: dict[str, Article],
    create_user: Callable[..., User],
    make_org: Callable[..., Organization],
    add_member,
    login,
    lapse: Callable[[Organization], None],
) -> None:
    seat = create_user()
    org = make_org(trial=True)
    add_member(org, seat)
    if lapse is _cancel_subscription:  # a live subscription first, then it is cancelled
        org.trial_ends_at = None
        db.session.add(
            Subscription(
                stripe_subscription_id=f"sub_live_{org.id}",
                stripe_customer_id=f"cus_live_{org.id}",
                org_id=org.id,
                status="active",
            )
        )
        db.session.flush()
    login(client, seat)
    assert _reads(client, canaries["paid"]) and _reads(client, canaries["paid"])
    lapse(org)
    assert not _reads(client, canaries["paid"])
    assert _reads(client, canaries["members"])

"""Organisation trials: one per person and one per e-mail domain, however many organisations."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from portal.accounts.models import User
from portal.billing import entitlements, grants
from portal.extensions import db
from portal.orgs import service
from portal.orgs.models import Organization, TrialClaim
from tests.conftest import count_rows


def _paid(user: User) -> bool:
    entitlements.forget(user)
    return entitlements.can_read(user, "paid")


def test_a_person_gets_one_trial_however_many_organisations_they_create(
    app, make_org: Callable[..., Organization], create_user: Callable[..., User]
) -> None:
    owner = create_user("kari@gmail.com")
    first = make_org(owner)
    assert first.trial_ends_at is not None
    assert make_org(owner).trial_ends_at is None
    assert count_rows("org_trial_claims") == 1


def test_one_trial_per_company_domain_but_not_per_public_mail_service(
    app, make_org: Callable[..., Organization], create_user: Callable[..., User]
) -> None:
    assert make_org(create_user("a@firma.example")).trial_ends_at is not None
    assert make_org(create_user("b@FIRMA.example")).trial_ends_at is None
    assert make_org(create_user("c@gmail.com")).trial_ends_at is not None
    assert make_org(create_user("d@gmail.com")).trial_ends_at is not None


def test_a_new_address_does_not_give_the_same_person_a_second_trial(
    app, make_org: Callable[..., Organization], create_user: Callable[..., User]
) -> None:
    owner = create_user("per@gmail.com")
    make_org(owner)
    owner.email = "per.ny@gmail.com"
    db.session.flush()
    assert make_org(owner).trial_ends_at is None
    claim = db.session.scalar(db.select(TrialClaim))
    assert "per@gmail.com" not in (claim.email_hash, claim.email_domain)


def test_without_a_trial_access_comes_from_a_subscription_or_a_grant(
    app, make_org: Callable[..., Organization], create_user: Callable[..., User]
) -> None:
    owner = create_user("eier@bedrift.example")
    make_org(owner)
    later = make_org(create_user("kollega@bedrift.example"))
    colleague = service.members(later)[0].user
    assert later.trial_ends_at is None
    assert not _paid(colleague)
    grants.grant_to_org(later, "Pilotkunde")
    assert _paid(colleague)


def test_the_create_page_says_when_no_trial_was_given(
    app, client: FlaskClient, create_user: Callable[..., User], make_org, login, csrf_token
) -> None:
    owner = create_user("sjef@verksted.example")
    make_org(owner)
    login(client, owner)
    token = csrf_token(client, "/orgs/new")
    response = client.post(
        "/orgs/new",
        data={
            "csrf_token": token,
            "name": "Verksted 2",
            "slug": "verksted-2",
            "billing_email": "faktura@verksted.example",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Prøveperioden har startet" not in page
    assert "allerede brukt" in page

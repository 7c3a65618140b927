"""Pages say what gives paid access now and what happens next (billing/access.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from portal.accounts import demo as accounts_demo
from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.billing import demo as billing_demo
from portal.billing.models import Subscription
from portal.extensions import db
from portal.orgs import demo as orgs_demo
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.timeutil import utcnow


@pytest.fixture
def demo(app: Flask) -> dict[str, User]:
    users = accounts_demo.seed()
    orgs_demo.seed(users)
    billing_demo.seed(users)
    return users


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _org_billing_path(app: Flask, slug: str) -> str:
    with app.test_request_context():
        return url_for("org_billing.manage", org_slug=slug)


def test_the_demo_subscriber_hears_about_the_grant_not_no_subscription(
    app: Flask, client: FlaskClient, demo: dict[str, User], login: Callable
) -> None:
    login(client, demo["subscriber@example.com"])
    for path in ("/billing/manage", "/account"):
        page = _page(client, path)
        assert "Gratis tilgang fra Veivalg, uten sluttdato." in page, path
        assert "Du har ikke et abonnement" not in page
        assert "ikke tilgang til betalte artikler" not in page


def test_acmes_owner_sees_acmes_grant_and_trial_on_overview_and_billing_page(
    app: Flask, client: FlaskClient, demo: dict[str, User], login: Callable
) -> None:
    login(client, demo["owner@acme.example.com"])
    for path in ("/orgs/acme/", _org_billing_path(app, "acme")):
        page = _page(client, path)
        assert "Gratis tilgang fra Veivalg, uten sluttdato." in page, path
        assert "Prøveperiode til" in page
        # The grant goes on after the trial: no "after that date" warning.
        assert "ikke lenger tilgang" not in page
    account = _page(client, "/account")
    assert "Plass i Acme AS: Gratis tilgang fra Veivalg, uten sluttdato." in account


def test_a_subscription_shows_its_status_and_renewal_or_its_end(
    app: Flask, client: FlaskClient, create_user: Callable[..., User], login: Callable
) -> None:
    user = create_user()
    period_end = utcnow() + timedelta(days=20)
    row = Subscription(
        stripe_subscription_id="sub_summary",
        stripe_customer_id="cus_summary",
        user_id=user.id,
        status="active",
        quantity=1,
        current_period_end=period_end,
    )
    db.session.add(row)
    db.session.flush()
    login(client, user)
    date = period_end.strftime("%d.%m.%Y")
    page = _page(client, "/billing/manage")
    assert "Abonnement: Aktiv." in page and f"Fornyes {date}." in page
    row.cancel_at_period_end = True
    db.session.flush()
    page = _page(client, "/billing/manage")
    assert f"Er sagt opp og avsluttes {date}." in page
    assert f"Etter {date} har du ikke lenger tilgang til betalte artikler" in page


def test_an_organisation_on_trial_says_what_happens_when_it_ends(
    app: Flask,
    client: FlaskClient,
    create_user: Callable[..., User],
    make_org: Callable[..., Organization],
    login: Callable,
) -> None:
    owner = create_user()
    org = make_org(owner, trial=True)
    login(client, owner)
    date = org.trial_ends_at.strftime("%d.%m.%Y")
    for path in (f"/orgs/{org.slug}/", _org_billing_path(app, org.slug)):
        page = _page(client, path)
        assert f"Prøveperiode til {date}." in page
        assert f"Etter {date} har medlemmene ikke lenger tilgang" in page
    org.trial_ends_at = None
    db.session.flush()
    page = _page(client, f"/orgs/{org.slug}/")
    assert "Organisasjonen har ikke tilgang til betalte artikler nå." in page


def test_a_reader_without_access_is_told_so_with_the_prices(
    app: Flask, client: FlaskClient, demo: dict[str, User], login: Callable
) -> None:
    login(client, demo["reader@example.com"])
    page = _page(client, "/billing/manage")
    assert "Du har ikke tilgang til betalte artikler nå." in page
    assert 'href="/billing/pricing"' in page


def test_the_demo_data_has_a_staff_admin(
    app: Flask, client: FlaskClient, demo: dict[str, User], login: Callable
) -> None:
    admin = demo["admin@example.com"]
    assert admin.staff_role == "admin"
    assert accounts_service.check_password(admin, app.config["DEMO_PASSWORD"])
    login(client, admin)
    assert client.get("/staff/members").status_code == 200
    acme = orgs_service.get_by_slug("acme")
    assert client.get(f"/staff/members/organisations/{acme.id}").status_code == 200

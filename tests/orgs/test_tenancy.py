"""Tenant isolation at the HTTP level: every /orgs/<org_slug>/ route is 404 to outsiders, and no
id of another organisation reaches its data through a path, query string or form field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, g, url_for
from werkzeug.routing import Rule

from portal.accounts import service as accounts_service
from portal.extensions import db
from portal.orgs import service
from portal.orgs.blueprint import org_blueprint
from tests.orgs.conftest import snapshot
from tests.support.tenants import ID_KINDS, Tenant, ids_of, populate_all


def org_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/orgs/<org_slug>/")]
    assert len(rules) >= 10, "the sweep found too few organisation routes"
    return rules


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def url_for_rule(rule: Rule, slug: str, ids: dict[str, int]) -> str:
    values: dict[str, Any] = {"org_slug": slug}
    for arg in rule.arguments - {"org_slug"}:
        values[arg] = ids[arg]
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


@pytest.fixture
def acme_full(acme: Tenant) -> Tenant:
    """acme with a row of every registered id kind (tests/support/tenants.py)."""
    acme.markers = populate_all(acme)  # type: ignore[attr-defined]
    return acme


@pytest.fixture
def fjord_full(fjord: Tenant) -> Tenant:
    fjord.markers = populate_all(fjord)  # type: ignore[attr-defined]
    return fjord


def acme_markers(acme: Tenant) -> list[str]:
    return acme.markers  # type: ignore[attr-defined]


def test_every_id_in_an_org_route_is_a_registered_kind(app: Flask) -> None:
    """A new route with an id argument must teach the sweep its kind (register_id_kind)."""
    arguments = {arg for rule in org_rules(app) for arg in rule.arguments - {"org_slug"}}
    assert arguments <= set(ID_KINDS), arguments - set(ID_KINDS)


def test_the_sweep_covers_every_page_of_an_organisation(app: Flask) -> None:
    """Billing's organisation pages included: no route takes an organisation's slug anywhere
    but under /orgs/<org_slug>/, where the door (org_blueprint) guards it."""
    swept = {rule.endpoint for rule in org_rules(app)}
    assert {"org_billing.manage", "org_billing.checkout", "org_billing.portal",
            "org_billing.seats"} <= swept  # fmt: skip
    for rule in app.url_map.iter_rules():
        if "org_slug" in rule.arguments:
            assert rule.rule.startswith("/orgs/<org_slug>/"), rule.rule


def test_every_org_route_is_404_to_a_logged_in_non_member(
    app: Flask, client, login, acme_full: Tenant, fjord_full: Tenant
) -> None:
    login(client, fjord_full.owner)
    ids = ids_of(acme_full)
    before = snapshot(acme_full.org)
    for rule in org_rules(app):
        url = url_for_rule(rule, "acme", ids)
        for method in methods(rule):
            response = client.open(
                url, method=method, data={"role": "owner", "confirm_name": "Acme AS"}
            )
            assert response.status_code == 404, (method, url, response.status_code)
            body = response.get_data(as_text=True)
            for marker in acme_markers(acme_full):
                assert marker not in body, (method, url, marker)
    assert snapshot(acme_full.org) == before


def test_every_org_route_sends_an_anonymous_visitor_to_login(
    app: Flask, client, acme_full: Tenant
) -> None:
    ids = ids_of(acme_full)
    for rule in org_rules(app):
        url = url_for_rule(rule, "acme", ids)
        for method in methods(rule):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/login" in response.headers["Location"], (method, url)


def test_every_org_route_is_404_for_a_deleted_org_even_to_its_owner(
    app: Flask, client, login, acme_full: Tenant
) -> None:
    from portal.timeutil import utcnow

    acme_full.org.deleted_at = utcnow()
    db.session.flush()
    login(client, acme_full.owner)
    ids = ids_of(acme_full)
    for rule in org_rules(app):
        url = url_for_rule(rule, "acme", ids)
        for method in methods(rule):
            assert client.open(url, method=method).status_code == 404, (method, url)


def test_unknown_org_slug_is_404(client, login, fjord: Tenant) -> None:
    login(client, fjord.owner)
    assert client.get("/orgs/no-such-org/").status_code == 404
    assert client.get("/orgs/no-such-org/members").status_code == 404


def test_acme_ids_in_fjord_paths_query_strings_and_forms_reach_nothing_of_acme(
    app: Flask, client, login, csrf_token, acme_full: Tenant, fjord_full: Tenant
) -> None:
    login(client, fjord_full.owner)
    acme_ids = ids_of(acme_full)
    fjord_ids = ids_of(fjord_full)
    token = csrf_token(client, "/orgs/fjord/invitations")
    before = snapshot(acme_full.org)
    # The acme ids as every kind of id, plus acme's org id and slug, as query and form values.
    foreign = {**acme_ids, "org_id": acme_full.org.id, "id": acme_ids["membership_id"],
               "org_slug": "acme", "slug": "acme"}  # fmt: skip
    query = "&".join(f"{k}={v}" for k, v in foreign.items())
    int_rules = [r for r in org_rules(app) if r.arguments - {"org_slug"}]
    assert int_rules
    for rule in org_rules(app):
        for method in methods(rule):
            # 1. acme ids in the path of fjord's routes: 404.
            if rule in int_rules:
                for kind, value in acme_ids.items():
                    if kind not in rule.arguments:
                        continue  # another kind's id may equal one of fjord's by chance
                    url = url_for_rule(rule, "fjord", {**fjord_ids, kind: value})
                    if f"/{value}/" not in url:
                        continue
                    response = client.open(
                        url, method=method, data={"csrf_token": token, "role": "member"}
                    )
                    assert response.status_code == 404, (method, url, response.status_code)
                continue
            # 2. acme ids in query strings and form fields of fjord's own routes.
            url = url_for_rule(rule, "fjord", fjord_ids) + "?" + query
            response = client.open(url, method=method, data={"csrf_token": token, **foreign})
            assert response.status_code < 500, (method, url)
            body = response.get_data(as_text=True)
            for marker in acme_markers(acme_full):
                assert marker not in body, (method, url, marker)
    # Ids that are no row at all (or overflow the column) are 404 too, never 500.
    for rule in int_rules:
        for value in (0, 10**12):
            url = url_for_rule(rule, "fjord", {k: value for k in fjord_ids})
            for method in methods(rule):
                response = client.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 404, (method, url)
    # 3. acme's slug and id on the routes outside /orgs/<org_slug>/.
    for url in ("/orgs/join/acme", f"/staff/organisations/{acme_full.org.id}/restore",
                f"/staff/organisations/{acme_full.org.id}/seats"):  # fmt: skip
        response = client.post(url, data={"csrf_token": token, "seats": "99"})
        assert response.status_code == 404, url
    assert snapshot(acme_full.org) == before


def test_the_header_switcher_lists_only_the_users_own_orgs(
    client, login, acme: Tenant, fjord: Tenant, add_member
) -> None:
    add_member(fjord.org, acme.member, "member")
    login(client, acme.member)
    body = client.get("/orgs/acme/").get_data(as_text=True)
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S).group(0)
    assert "Acme AS" in nav and "Fjord kommune" in nav
    login(client, acme.editor)
    nav = re.search(
        r'<nav class="main-nav".*?</nav>', client.get("/orgs/acme/").get_data(as_text=True), re.S
    ).group(0)
    assert "Acme AS" in nav and "Fjord kommune" not in nav


def test_org_blueprint_guards_another_domains_pages(committed_app: Flask, make_app) -> None:
    extra = org_blueprint("orgs_extra_test", __name__, "/extra")

    @extra.get("/<int:item_id>")
    def show(item_id: int) -> str:
        return f"{g.org.name}:{g.membership.role}:{item_id}"

    app = make_app()
    app.register_blueprint(extra)
    try:
        with app.app_context():
            owner = accounts_service.create_user("eier@example.org", "Eier", None, verified=True)
            outsider = accounts_service.create_user("ute@example.org", "Ute", None, verified=True)
            service.create_organization(owner, "Acme AS", "acme", "f@example.org")
            db.session.commit()
            ids = owner.get_id(), outsider.get_id()
        client = app.test_client()
        assert client.get("/orgs/acme/extra/7").status_code == 302
        with client.session_transaction() as session:
            session["_user_id"] = ids[1]
        assert client.get("/orgs/acme/extra/7").status_code == 404
        with client.session_transaction() as session:
            session["_user_id"] = ids[0]
        response = client.get("/orgs/acme/extra/7")
        assert response.get_data(as_text=True) == "Acme AS:owner:7"
        with app.test_request_context():
            g.org = service.get_by_slug("acme")
            assert url_for("orgs_extra_test.show", item_id=3) == "/orgs/acme/extra/3"
    finally:
        with app.app_context():
            db.engine.dispose()

"""PostgreSQL row-level security on the tenant tables, as the runtime role (veivalg_test_app)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.accounts import service as accounts_service
from portal.extensions import db
from portal.models import load_all
from portal.orgs import domains, invitations, scoping, service
from portal.orgs.mixins import OrgScoped
from portal.orgs.models import Membership
from tests.conftest import PASSWORD
from tests.support.tenants import Tenant

TENANT_TABLES = ("memberships", "invitations", "org_domains", "org_audit_log")


def org_scoped_tables() -> list[str]:
    """Every table of an OrgScoped model, including those of domains added later."""
    load_all()
    return sorted(
        mapper.class_.__tablename__
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, OrgScoped)
    )


def set_scope(org_id: int | str = "", user_id: int | str = "", system: str = "") -> None:
    """Set the settings directly, and the session's scope to match (savepoints re-apply it)."""
    db.session.info[scoping.ORG_KEY] = org_id or None
    db.session.info[scoping.USER_KEY] = user_id or None
    db.session.info[scoping.SYSTEM_KEY] = bool(system)
    db.session.execute(
        text(
            "SELECT set_config('veivalg.org_id', :o, true), "
            "set_config('veivalg.user_id', :u, true), set_config('veivalg.system', :s, true)"
        ),
        {"o": str(org_id), "u": str(user_id), "s": system},
    )


def count(table: str, where: str = "true") -> int:
    return db.session.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()  # noqa: S608


@pytest.fixture
def tenants(acme: Tenant, fjord: Tenant) -> tuple[Tenant, Tenant]:
    for t, slug in ((acme, "acme"), (fjord, "fjord")):
        invitations.invite(t.org, t.owner, f"new@{slug}.test", "member")
        domains.add_domain(t.org, t.owner, f"{slug}.test")
    db.session.flush()
    return acme, fjord


def test_the_runtime_role_is_not_superuser_has_no_bypassrls_and_owns_no_table(app) -> None:
    role = db.session.execute(
        text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert role.rolname == "veivalg_test_app"
    assert role.rolsuper is False and role.rolbypassrls is False
    owned = db.session.execute(
        text(
            "SELECT tablename FROM pg_tables "
            "WHERE schemaname = 'public' AND tableowner = current_user"
        )
    ).all()
    assert owned == []
    secured = dict(
        db.session.execute(
            text("SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(:t)"),
            {"t": list(TENANT_TABLES)},
        ).all()
    )
    assert secured == {t: True for t in TENANT_TABLES}


def test_every_org_scoped_table_has_the_standard_policy_enabled_and_forced(app) -> None:
    tables = org_scoped_tables()
    assert set(TENANT_TABLES) <= set(tables)
    rows = db.session.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "array(SELECT polname::text FROM pg_policy p WHERE p.polrelid = c.oid) "
            "FROM pg_class c WHERE c.relname = ANY(:t) AND c.relkind = 'r'"
        ),
        {"t": tables},
    ).all()
    assert sorted(r[0] for r in rows) == tables
    for name, enabled, forced, policies in rows:
        assert enabled and forced, name
        assert {f"{name}_tenant", f"{name}_system"} <= set(policies), name


def test_with_no_organisation_set_every_tenant_table_is_empty(tenants) -> None:
    set_scope(system="on")
    assert all(count(t) > 0 for t in TENANT_TABLES)
    set_scope()
    for table in TENANT_TABLES:
        assert count(table) == 0, table


def test_with_acme_set_only_acmes_rows_are_visible(tenants) -> None:
    acme, fjord = tenants
    set_scope(system="on")
    expected = {t: count(t, f"org_id = {acme.org.id}") for t in TENANT_TABLES}
    assert all(expected.values())
    set_scope(org_id=acme.org.id)
    for table in TENANT_TABLES:
        assert count(table) == expected[table], table
        assert count(table, f"org_id = {fjord.org.id}") == 0, table


def test_a_fjord_row_cannot_be_written_while_acme_is_set(tenants) -> None:
    acme, fjord = tenants
    set_scope(org_id=acme.org.id)
    statements = [
        "INSERT INTO memberships (org_id, user_id, role, created_at) "
        f"VALUES ({fjord.org.id}, {acme.member.id}, 'owner', now())",
        "INSERT INTO org_domains (org_id, domain, created_at) "
        f"VALUES ({fjord.org.id}, 'evil.example', now())",
        "INSERT INTO org_audit_log (org_id, action, created_at) "
        f"VALUES ({fjord.org.id}, 'forged', now())",
        # Moving an acme row into fjord is refused by the WITH CHECK too.
        f"UPDATE memberships SET org_id = {fjord.org.id} WHERE user_id = {acme.member.id}",
    ]
    for statement in statements:
        with pytest.raises(DBAPIError, match="row-level security"), db.session.begin_nested():
            db.session.execute(text(statement))
    # Updates and deletes of fjord's rows silently touch nothing.
    assert (
        db.session.execute(
            text(f"UPDATE memberships SET role = 'member' WHERE org_id = {fjord.org.id}")
        ).rowcount
        == 0
    )
    set_scope(system="on")
    assert count("memberships", f"org_id = {fjord.org.id} AND role = 'owner'") == 1
    assert count("org_domains", "domain = 'evil.example'") == 0


def test_a_user_sees_only_their_own_memberships_without_an_organisation(
    tenants, add_member
) -> None:
    acme, fjord = tenants
    add_member(fjord.org, acme.member, "editor")
    set_scope(user_id=acme.member.id)
    rows = db.session.execute(text("SELECT org_id, user_id FROM memberships")).all()
    assert sorted(rows) == sorted([(acme.org.id, acme.member.id), (fjord.org.id, acme.member.id)])
    # The own-rows policy is for reading memberships only.
    assert count("invitations") == 0 and count("org_audit_log") == 0
    with pytest.raises(DBAPIError, match="row-level security"), db.session.begin_nested():
        db.session.execute(
            text(
                "INSERT INTO memberships (org_id, user_id, role, created_at) "
                f"VALUES ({fjord.org.id}, {acme.member.id}, 'owner', now())"
            )
        )


def test_the_audit_log_is_append_only_for_the_runtime_role(tenants) -> None:
    acme, _ = tenants
    set_scope(org_id=acme.org.id)
    for statement in ("UPDATE org_audit_log SET action = 'x'", "DELETE FROM org_audit_log"):
        with pytest.raises(DBAPIError, match="permission denied"), db.session.begin_nested():
            db.session.execute(text(statement))


def test_the_scope_follows_the_session_across_commits(app, acme: Tenant) -> None:
    scoping.use_org(acme.org)
    assert service.members_count(acme.org) == 4
    db.session.commit()  # in tests: releases a savepoint; a new one begins with the scope again
    assert db.session.execute(
        text("SELECT current_setting('veivalg.org_id', true)")
    ).scalar() == str(acme.org.id)


class Browser:
    """A tiny HTTP client with a cookie jar (standard library), that does not follow redirects."""

    def __init__(self, cookies: http.cookiejar.CookieJar | None = None) -> None:
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def open(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _login(base: str, email: str) -> Browser:
    browser = Browser()
    _status, page = browser.open(f"{base}/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    status, body = browser.open(
        f"{base}/login", {"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert status == 303, body[:500]
    return browser


def test_fifty_concurrent_requests_each_see_only_their_own_organisation(
    committed_app, live_server
) -> None:
    people = {}
    for slug, name in (("acme", "Acme AS"), ("fjord", "Fjord kommune")):
        owner = accounts_service.create_user(
            f"owner@{slug}.example.com", "Eier", PASSWORD, verified=True
        )
        org = service.create_organization(owner, name, slug, f"faktura@{slug}.example.com")
        mate = accounts_service.create_user(
            f"mate@{slug}.example.com", "Kollega", PASSWORD, verified=True
        )
        service.add_member(org, mate, "member", owner, "member.added", None)
        people[slug] = f"mate@{slug}.example.com"
    db.session.commit()
    sessions = {slug: _login(live_server.url, email) for slug, email in people.items()}
    other = {"acme": "fjord", "fjord": "acme"}

    def fetch(i: int) -> tuple[str, int, str]:
        slug = "acme" if i % 2 else "fjord"
        status, body = Browser(sessions[slug].cookies).open(
            f"{live_server.url}/orgs/{slug}/members"
        )
        return slug, status, body

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(fetch, range(50)))
    assert len(results) == 50
    for slug, status, body in results:
        assert status == 200
        assert f"owner@{slug}.example.com" in body and f"mate@{slug}.example.com" in body
        assert f"@{other[slug]}.example.com" not in body
    # No pooled connection keeps a tenant setting after its transaction.
    engine = db.engine
    connections = [engine.connect() for _ in range(5)]
    try:
        for connection in connections:
            value = connection.execute(
                text("SELECT current_setting('veivalg.org_id', true)")
            ).scalar()
            assert value in (None, "")
            assert connection.execute(text("SELECT count(*) FROM memberships")).scalar() == 0
    finally:
        for connection in connections:
            connection.close()


def test_a_write_made_before_a_system_scope_is_not_written_with_its_rights(tenants) -> None:
    acme, fjord = tenants
    scoping.use_org(acme.org)
    # A bug puts a row of fjord into a request scoped to acme; it is still pending.
    db.session.add(Membership(org_id=fjord.org.id, user_id=acme.member.id, role="owner"))
    with pytest.raises(DBAPIError, match="row-level security"), scoping.system_scope():
        service.get_by_slug("acme")  # any query inside would autoflush it
    db.session.rollback()

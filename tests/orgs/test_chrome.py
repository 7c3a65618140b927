"""The organisation header and the workspace breadcrumb are kept (portal/orgs/chrome.py) but
always show the organisation's current name, the member's own tabs and the current page."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.orgs import chrome, scoping, service
from tests.support.tenants import Tenant


def _tabs(html: str) -> list[str]:
    nav = html[html.index('class="vv-tabnav org-nav"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'<a href="([^"]+)"', nav)


def _current(html: str) -> str:
    return re.search(r'<a href="([^"]+)" aria-current="page"', html).group(1)  # type: ignore[union-attr]


def test_the_kept_header_follows_the_page_the_role_and_the_name(client, login, acme) -> None:
    chrome.clear()
    login(client, acme.admin)
    admin_tabs = _tabs(client.get("/orgs/acme/members").get_data(as_text=True))
    assert "/orgs/acme/settings" in admin_tabs and "/orgs/acme/audit" in admin_tabs
    page = client.get("/orgs/acme/workspace/").get_data(as_text=True)
    assert _current(page) == "/orgs/acme/workspace/"
    assert _current(client.get("/orgs/acme/members").get_data(as_text=True)) == "/orgs/acme/members"
    with scoping.org_scope(acme.org):
        service.update_settings(acme.org, acme.owner, "Acme Nytt Navn AS", "f@acme.test", None)
    db.session.flush()
    assert "<h1>Acme Nytt Navn AS</h1>" in client.get("/orgs/acme/members").get_data(as_text=True)
    login(client, acme.member)
    member_tabs = _tabs(client.get("/orgs/acme/members").get_data(as_text=True))
    assert "/orgs/acme/settings" not in member_tabs and "/orgs/acme/audit" not in member_tabs
    assert set(member_tabs) < set(admin_tabs)


def test_the_kept_header_is_the_freshly_rendered_one(app, client, login, acme: Tenant) -> None:
    login(client, acme.owner)
    chrome.clear()
    first = client.get("/orgs/acme/workspace/").get_data(as_text=True)
    kept = client.get("/orgs/acme/workspace/").get_data(as_text=True)
    app.jinja_env.auto_reload = True  # nothing kept: rendered afresh
    try:
        fresh = client.get("/orgs/acme/workspace/").get_data(as_text=True)
    finally:
        app.jinja_env.auto_reload = False
    part = re.compile(r'<header class="vv-org-head">.*?</nav>\s*</header>.*?</nav>', re.S)
    assert part.search(first).group(0) == part.search(kept).group(0) == part.search(fresh).group(0)  # type: ignore[union-attr]

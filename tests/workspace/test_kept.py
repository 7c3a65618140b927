"""Kept workbook pages (kept.py): the same bytes as a page rendered afresh for every viewer,
never late after a change, and nothing about access or one person kept."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.content import fragments
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.workspace import cache, kept, service, snapshots
from tests.support.tenants import Tenant
from tests.workspace.factories import add_benefit, add_goal, add_measure, add_risk, make_workbook

PAGES = ("", "dashboard", "front")
# Form tokens are signed per render; everything else must match byte for byte.
TOKEN = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+(")')


def url(wb, page: str) -> str:  # noqa: ANN001
    if page == "front":
        return "/orgs/acme/workspace/"
    return f"/orgs/acme/workspace/{wb.id}/{page}"


def without_tokens(html: str) -> str:
    return TOKEN.sub(r"\1…\2", html)


def fill(acme: Tenant, wb) -> None:  # noqa: ANN001
    goal = add_goal(acme, wb, "Færre manuelle steg <b>nå</b>")
    add_goal(acme, wb, "Uten eier", owner_id=None, indicator_unit="")
    add_measure(acme, wb, "Nytt arkiv", goal_ids=[goal.id])
    add_measure(acme, wb, "Løst tiltak", owner_id=None)
    add_benefit(acme, wb, "Spart tid", owner_id=None, priced=True, amount_nok=Decimal("1200.5"))
    add_risk(acme, wb, "Leverandøren svikter")
    with scoping.org_scope(acme.org):
        service.add_item(acme.org, acme.owner, wb, "swot", "styrker", "Kompetente folk", "")
        snapshots.adopt(acme.org, acme.owner, wb, "Første utkast")


def fresh(app, client, path: str, monkeypatch) -> str:  # noqa: ANN001
    """The page rendered without kept blocks (the cache switched off)."""
    with monkeypatch.context() as patch:
        patch.setattr(cache.blocks(), "max_bytes", 0)
        response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def twice(client, path: str) -> str:  # noqa: ANN001
    """The page from kept blocks: the first request keeps them, the second uses them."""
    client.get(path)
    before = len(cache.blocks())
    response = client.get(path)
    assert response.status_code == 200
    assert len(cache.blocks()) == before >= 1  # served from what was kept
    return response.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["owner", "editor", "member"])
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_kept_page_is_the_page_rendered_afresh(
    app, client, login, acme, wb, monkeypatch, page, role, lang
) -> None:
    fill(acme, wb)
    login(client, acme.user(role))
    with client.session_transaction() as session:
        session["lang"] = lang
    path = url(wb, page)
    from_kept = twice(client, path)
    assert kept.CSRF_SLOT not in from_kept
    assert without_tokens(from_kept) == without_tokens(fresh(app, client, path, monkeypatch))


@pytest.mark.parametrize("page", PAGES)
def test_a_lapsed_organisations_kept_page_is_the_page_rendered_afresh(
    app, client, login, acme, wb, monkeypatch, page
) -> None:
    fill(acme, wb)
    acme.org.trial_ends_at = None  # access lapsed: read-only
    db.session.flush()
    login(client, acme.owner)
    from_kept = twice(client, url(wb, page))
    assert "ikke lenger tilgang" in from_kept
    afresh = fresh(app, client, url(wb, page), monkeypatch)
    assert without_tokens(from_kept) == without_tokens(afresh)


def test_a_change_to_the_workbook_shows_at_once(client, login, acme, wb) -> None:
    fill(acme, wb)
    login(client, acme.member)
    twice(client, url(wb, ""))
    twice(client, url(wb, "dashboard"))
    add_goal(acme, wb, "Helt nytt mål", owner_id=None)  # bumps the workbook's version
    assert "Målet «Helt nytt mål» har ingen ansvarlig." in client.get(url(wb, "")).get_data(True)
    assert "Helt nytt mål" in client.get(url(wb, "dashboard")).get_data(as_text=True)
    with scoping.org_scope(acme.org):
        service.update_workbook(acme.org, acme.owner, wb, "Omdøpt", 2026, 2029, None)
    page = client.get(url(wb, "")).get_data(as_text=True)
    assert "<title>Omdøpt – Acme AS</title>" in page
    assert ">Omdøpt</a></li>" in page  # the breadcrumb


def test_a_role_change_shows_at_once(client, login, acme, wb) -> None:
    """What a viewer may do is asked on every request: kept blocks follow the role."""
    adopt_form = f'action="/orgs/acme/workspace/{wb.id}/adopt"'
    login(client, acme.owner)
    assert adopt_form in twice(client, url(wb, ""))
    login(client, acme.member)
    assert adopt_form not in twice(client, url(wb, ""))
    with scoping.org_scope(acme.org):
        membership = orgs_service.membership_for(acme.org, acme.member)
        membership.role = "editor"
        db.session.flush()
    assert adopt_form in client.get(url(wb, "")).get_data(as_text=True)
    membership.role = "member"
    db.session.flush()
    assert adopt_form not in client.get(url(wb, "")).get_data(as_text=True)
    acme.org.trial_ends_at = None  # a lapse turns the owner's page read-only at once too
    db.session.flush()
    login(client, acme.owner)
    page = client.get(url(wb, "")).get_data(as_text=True)
    assert adopt_form not in page
    assert "ikke lenger tilgang" in page


def test_a_kept_pages_form_carries_this_sessions_token(client, login, acme, wb) -> None:
    login(client, acme.owner)
    page = twice(client, url(wb, ""))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        f"/orgs/acme/workspace/{wb.id}/settings",
        data={"csrf_token": token.group(1), "title": "Ny tittel", "period_from": "2026",
              "period_to": "2029", "version": str(wb.version)},
    )  # fmt: skip
    assert response.status_code == 303
    assert "<title>Ny tittel – Acme AS</title>" in client.get(url(wb, "")).get_data(True)


def test_another_organisation_is_not_told_a_workbook_exists(client, login, acme, fjord, wb) -> None:
    login(client, acme.owner)
    twice(client, url(wb, ""))
    login(client, fjord.owner)
    assert client.get(f"/orgs/fjord/workspace/{wb.id}/").status_code == 404
    assert client.get(f"/orgs/fjord/workspace/{wb.id}/dashboard").status_code == 404
    assert client.get(url(wb, "")).status_code == 404


def test_the_front_shows_a_change_a_comment_and_a_new_workbook_at_once(client, login, acme, wb):
    login(client, acme.member)
    front = url(wb, "front")
    twice(client, front)
    add_measure(acme, wb, "Frist snart", end_date=date.today() + timedelta(days=3))
    assert "Frist snart" in client.get(front).get_data(as_text=True)  # due soon
    with scoping.org_scope(acme.org):  # a comment bumps no version, but is activity
        service.add_comment(acme.org, acme.editor, wb, "mandat", "Bra start")
    assert "la til en kommentar på" in client.get(front).get_data(as_text=True)
    make_workbook(acme, "Andre bok")
    assert "Andre bok" in client.get(front).get_data(as_text=True)


def test_the_organisations_panel_is_kept_and_follows_the_workspace(
    app, client, login, acme, wb, monkeypatch
) -> None:
    fill(acme, wb)
    login(client, acme.member)
    kept_page = twice(client, "/orgs/acme/")
    assert without_tokens(kept_page) == without_tokens(
        fresh(app, client, "/orgs/acme/", monkeypatch)
    )
    due = re.compile(r"(\d+) tiltak skal snart")

    def due_count() -> int:
        found = due.search(client.get("/orgs/acme/").get_data(as_text=True))
        return int(found.group(1)) if found else 0

    before = due_count()
    add_measure(acme, wb, "Frist snart", end_date=date.today() + timedelta(days=3))
    assert due_count() == before + 1
    make_workbook(acme, "Andre bok")
    assert "Andre bok" in client.get("/orgs/acme/").get_data(as_text=True)


TEMPLATES = {"": "workspace/workbook.html", "dashboard": "workspace/dashboard.html",
             "front": "workspace/front.html"}  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
def test_the_layout_around_a_kept_page_is_kept_too(app, client, login, acme, wb, page) -> None:
    """The organisation and workspace layouts read only the keyed facts (kept.layout_values),
    so the base layout's skeleton (content/layout.py) serves them: a template change that
    reads anything else would quietly render the whole layout per request again."""
    login(client, acme.editor)
    twice(client, url(wb, page))
    with app.test_request_context():
        names = frozenset(["org", "membership", "read_only", "workbook"])
        assert fragments._layout(app, TEMPLATES[page]).cacheable == {names: True}


def test_a_renamed_organisation_shows_at_once_around_kept_blocks(client, login, acme, wb) -> None:
    login(client, acme.member)
    assert "<h1>Acme AS</h1>" in twice(client, url(wb, ""))
    with scoping.org_scope(acme.org):
        orgs_service.update_settings(acme.org, acme.owner, "Acme Omdøpt AS", "f@acme.test", None)
    db.session.flush()
    page = client.get(url(wb, "")).get_data(as_text=True)
    assert "<h1>Acme Omdøpt AS</h1>" in page and "<h1>Acme AS</h1>" not in page


def test_a_flash_on_a_cold_workspace_page_is_shown_once(client, login, acme) -> None:
    # The cold page's blocks render the whole layout first, which takes the flash out of the
    # session; the kept layout must not keep it, or the message would come back on every view.
    wb = make_workbook(acme)
    fragments.cache().clear()
    cache.clear()
    login(client, acme.owner)
    path = f"/orgs/acme/workspace/{wb.id}/"
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Arbeidsboken er lagret Qflash.")]
    assert "Qflash" in client.get(path).get_data(as_text=True)
    assert "Qflash" not in client.get(path).get_data(as_text=True)

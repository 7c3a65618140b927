"""A warm workspace page's door (door.looks, migration 0013): the organisation door and the
page's head in one statement, in autocommit, with no ORM session transaction; the same walls
as the usual door (outsiders, other organisations' ids, deleted organisations, a lapse)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from portal import thread_connections
from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import door, scoping
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from portal.workspace import cache, kept
from tests.conftest import login_as
from tests.support.statements import counting
from tests.support.tenants import Tenant
from tests.workspace.factories import add_goal, make_workbook

# --- The functions themselves (the tests' one connection) ------------------------------------


def _door(look: door.Look, slug: str, user: User, **page: Any) -> Any:
    params = {"slug": slug, "user_id": user.id, "at": utcnow(), **page}
    return db.session.execute(look.statement, params).first()


def test_the_workbook_door_reads_no_other_organisations_workbook(app, acme, fjord) -> None:
    ours, theirs = make_workbook(acme, "Vår"), make_workbook(fjord, "Deres")
    row = _door(kept.WORKBOOK_LOOK, "acme", acme.member, workbook_id=ours.id)
    assert row is not None and tuple(row[-4:-1]) == (ours.id, "Vår", ours.version)
    row = _door(kept.WORKBOOK_LOOK, "acme", acme.member, workbook_id=theirs.id)
    assert row is not None and tuple(row[-4:]) == (None, None, None, None)
    # An outsider gets no row at all: the door stops before the workbook is read.
    assert _door(kept.WORKBOOK_LOOK, "acme", fjord.owner, workbook_id=ours.id) is None


def test_the_front_door_gives_the_fronts_key_of_its_own_organisation_only(app, acme, fjord):
    first, second = make_workbook(acme, "Første"), make_workbook(acme, "Andre")
    make_workbook(fjord, "Deres")
    add_goal(acme, first, "Endret sist")  # first changed last: first in the key
    row = _door(kept.FRONT_LOOK, "acme", acme.member, prefix="workspace.%")
    key = kept.FRONT_LOOK.answer(row[-4:])
    assert [entry[0] for entry in key[2]] == [first.id, second.id]
    with scoping.org_scope(acme.org):
        assert key == kept.front_key(acme.org)  # the session's own read of it
    assert _door(kept.FRONT_LOOK, "acme", fjord.owner, prefix="workspace.%") is None


# --- Through the pages (the tests' one connection: SQLAlchemy's path) ------------------------


@pytest.mark.parametrize("page", ["", "dashboard"])
def test_another_organisations_workbook_id_is_404_through_the_new_door(
    client: FlaskClient, login, acme: Tenant, fjord: Tenant, page: str
) -> None:
    theirs = make_workbook(fjord, "Deres")
    login(client, acme.owner)
    client.get(f"/orgs/acme/workspace/{theirs.id}/{page}")  # templates compiled
    with counting() as statements:
        assert client.get(f"/orgs/acme/workspace/{theirs.id}/{page}").status_code == 404
    assert any("workbook_door" in s for s in statements), statements
    assert not any("FROM workbooks" in s for s in statements), statements


# --- On a real engine: the plain path, committed rows ---------------------------------------


@pytest.fixture
def tenants(committed_app: Flask, create_user: Callable[..., User]) -> Iterator[Any]:
    """Two organisations with an owner each (acme also an editor), acme with a workbook with a
    goal, committed."""
    found = SimpleNamespace()
    for slug, name in (("acme", "Acme AS"), ("fjord", "Fjord kommune")):
        owner = create_user(f"owner@{slug}.test", name=f"Eier {name}")
        org = orgs_service.create_organization(owner, name, slug, f"faktura@{slug}.test")
        setattr(found, slug, SimpleNamespace(org=org, owner=owner))
    found.editor = create_user("editor@acme.test", name="Redaktør")
    with scoping.org_scope(found.acme.org):
        orgs_service.add_member(found.acme.org, found.editor, "editor", None, "member.added", None)
    found.wb = make_workbook(found.acme, "Strategi")
    add_goal(found.acme, found.wb, "Færre manuelle steg")
    found.theirs = make_workbook(found.fjord, "Deres")
    found.wb_id, found.theirs_id, found.acme_id = found.wb.id, found.theirs.id, found.acme.org.id
    db.session.commit()
    cache.clear()
    yield found


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How many doors went the plain way and how many ORM session transactions began."""
    seen = {"plain": 0, "transactions": 0, "sessions": 0}
    plain = door.fetch_plain
    make_session = db.session.registry.createfunc

    def fetch(*args: Any, **kwargs: Any) -> Any:
        seen["plain"] += 1
        return plain(*args, **kwargs)

    def began(*args: Any) -> None:
        seen["transactions"] += 1

    def made(*args: Any, **kwargs: Any) -> Any:
        seen["sessions"] += 1
        return make_session(*args, **kwargs)

    monkeypatch.setattr(door, "fetch_plain", fetch)
    monkeypatch.setattr(db.session.registry, "createfunc", made)
    event.listen(Session, "after_begin", began)
    try:
        yield seen
    finally:
        event.remove(Session, "after_begin", began)


def _change_acme(tenants: Any, **values: Any) -> None:
    with scoping.system_scope():
        db.session.execute(
            update(Organization).where(Organization.id == tenants.acme_id).values(**values)
        )
    db.session.commit()


def _get(app: Flask, user: User | None, path: str) -> Any:
    client = app.test_client()
    if user is not None:
        login_as(client, user)
    return client.get(path)


@pytest.mark.parametrize("page", ["", "dashboard", "front"])
def test_a_warm_page_makes_no_session_and_a_cold_one_after_the_door_renders(
    committed_app: Flask, tenants: Any, watched: dict[str, int], page: str
) -> None:
    path = "/orgs/acme/workspace/" + ("" if page == "front" else f"{tenants.wb_id}/{page}")
    cold = _get(committed_app, tenants.acme.owner, path)  # blocks built after the plain door
    assert cold.status_code == 200
    assert watched["plain"] == 1 and watched["transactions"] >= 1  # the build's reads, scoped
    text = cold.get_data(as_text=True)
    assert "Strategi" in text and "Deres" not in text
    if page != "front":
        assert "Færre manuelle steg" in text  # a tenant row, read under the recorded scope
    watched["transactions"] = watched["sessions"] = 0
    warm = _get(committed_app, tenants.acme.owner, path)
    assert warm.status_code == 200 and watched["plain"] == 2
    assert watched["transactions"] == 0 and watched["sessions"] == 0  # no ORM session at all
    assert warm.get_data(as_text=True).count("Strategi") == text.count("Strategi")


def test_on_the_plain_path_the_walls_stand(
    committed_app: Flask, tenants: Any, watched: dict[str, int]
) -> None:
    ours = f"/orgs/acme/workspace/{tenants.wb_id}/"
    assert _get(committed_app, tenants.acme.owner, ours).status_code == 200  # kept now
    assert _get(committed_app, tenants.fjord.owner, ours).status_code == 404
    assert _get(committed_app, tenants.fjord.owner, "/orgs/acme/workspace/").status_code == 404
    theirs = f"/orgs/acme/workspace/{tenants.theirs_id}/"
    assert _get(committed_app, tenants.acme.owner, theirs).status_code == 404
    assert _get(committed_app, tenants.acme.owner, theirs + "dashboard").status_code == 404
    anonymous = _get(committed_app, None, ours)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert watched["plain"] == 5  # every signed-in request above went the plain way
    _change_acme(tenants, deleted_at=utcnow())
    assert _get(committed_app, tenants.acme.owner, ours).status_code == 404


def test_the_threads_kept_connection_carries_no_tenant_after_a_door(
    committed_app: Flask, tenants: Any, watched: dict[str, int]
) -> None:
    """The door's settings (set_config(..., true)) end with its statement: the connection this
    thread keeps for plain reads, which serves the next reader too, is left with none."""
    ours = f"/orgs/acme/workspace/{tenants.wb_id}/"
    for _ in range(2):  # cold, then warm
        assert _get(committed_app, tenants.acme.owner, ours).status_code == 200
    assert watched["plain"] == 2
    cursor = thread_connections.cursor_for(db.engine)  # the one the doors above ran on
    settings = cursor.execute(
        "SELECT current_setting('veivalg.org_id', true), current_setting('veivalg.user_id', true)"
    ).fetchone()
    assert settings is not None and set(settings) <= {None, ""}
    assert cursor.execute("SELECT count(*) FROM memberships").fetchone() == (0,)
    thread_connections.forget()


def test_a_lapsed_organisations_warm_page_is_read_only(
    committed_app: Flask, tenants: Any, watched: dict[str, int]
) -> None:
    ours = f"/orgs/acme/workspace/{tenants.wb_id}/"
    adopt = f'action="/orgs/acme/workspace/{tenants.wb_id}/adopt"'
    for _ in range(2):  # cold, then warm
        page = _get(committed_app, tenants.editor, ours).get_data(as_text=True)
        assert adopt in page and "ikke lenger tilgang" not in page
    _change_acme(tenants, trial_ends_at=utcnow() - timedelta(minutes=1))
    for _ in range(2):
        page = _get(committed_app, tenants.editor, ours).get_data(as_text=True)
        assert adopt not in page and "ikke lenger tilgang" in page
    assert watched["plain"] == 4

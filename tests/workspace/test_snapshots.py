"""Adopted versions: named, complete, immutable, viewable, and compared as readable changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.orgs import scoping
from portal.workspace import documents, planning, service, snapshots
from portal.workspace.errors import WorkspaceError
from portal.workspace.models import Measurement, Snapshot
from tests.workspace.factories import add_goal, add_measure


def adopt(acme, wb, name: str = "Vedtatt i styret") -> Snapshot:
    with scoping.org_scope(acme.org):
        return snapshots.adopt(acme.org, acme.owner, wb, name)


def test_adopting_freezes_the_whole_workbook(acme, wb) -> None:
    goal = add_goal(acme, wb, "Flere kunder")
    add_measure(acme, wb, "Nettbutikk", goal_ids=[goal.id])
    snap = adopt(acme, wb)
    assert wb.status == "adopted"
    assert snap.data["workbook"]["title"] == "Strategi"
    assert [g["title"] for g in snap.data["goals"]] == ["Flere kunder"]
    assert snap.data["measures"][0]["goal_ids"] == [goal.id]
    with scoping.org_scope(acme.org), pytest.raises(WorkspaceError):
        snapshots.adopt(acme.org, acme.owner, wb, "Igjen")


def test_a_snapshot_cannot_be_changed_by_the_orm_or_the_database(acme, wb) -> None:
    snap = adopt(acme, wb)
    scoping.use_org(acme.org)
    with db.session.begin_nested():
        snap.name = "Forfalsket"
        with pytest.raises(snapshots.SnapshotImmutable):
            db.session.flush()
    with pytest.raises(DBAPIError, match="permission denied"), db.session.begin_nested():
        db.session.execute(update(Snapshot).values(name="Forfalsket"))
    with pytest.raises(DBAPIError, match="permission denied"), db.session.begin_nested():
        db.session.execute(text("DELETE FROM workbook_snapshots"))


def test_a_goal_with_measurements_can_still_be_removed(acme, wb) -> None:
    goal = add_goal(acme, wb)
    with scoping.org_scope(acme.org):
        planning.add_measurement(acme.org, acme.owner, wb, goal, date(2026, 1, 1), Decimal(1), "")
        planning.remove(acme.org, acme.owner, wb, goal)
        assert db.session.scalar(select(func.count()).select_from(Measurement)) == 0


def test_later_changes_leave_the_snapshot_as_it_was_and_compare_readably(acme, wb) -> None:
    goal = add_goal(acme, wb, "Flere kunder")
    measure = add_measure(acme, wb, "Nettbutikk", goal_ids=[goal.id])
    snap = adopt(acme, wb)
    with scoping.org_scope(acme.org):
        service.change_status(acme.org, acme.owner, wb, "revised")
        planning.save(acme.org, acme.owner, wb, measure, {"status": "done", "effect": 5})
        planning.remove(acme.org, acme.owner, wb, goal)
        add_goal(acme, wb, "Raskere levering")
        content = service.section_content_by_key(acme.org, wb, "mandat")
        service.save_section(acme.org, acme.owner, wb, content, "Nytt mandat.", content.version)
        db.session.expire_all()
        frozen = db.session.get(Snapshot, snap.id)
        changes = snapshots.compare(frozen.data, documents.full(acme.org, wb))
    assert [g["title"] for g in frozen.data["goals"]] == ["Flere kunder"]
    assert "Status: Vedtatt → Under revisjon" in changes
    assert "Teksten i «Mandat» er endret." in changes
    assert "Lagt til mål: «Raskere levering»." in changes
    assert "Fjernet mål: «Flere kunder»." in changes
    assert "Endret tiltak «Nettbutikk»: effekt 3 → 5; status Planlagt → Fullført." in changes


def test_snapshot_and_compare_pages(client, login, acme, wb) -> None:
    add_goal(acme, wb, "Flere kunder")
    snap = adopt(acme, wb, "Versjon 1")
    add_goal(acme, wb, "Etterpå")
    login(client, acme.member)
    base = f"/orgs/acme/workspace/{wb.id}/versions/{snap.id}"
    page = client.get(base).get_data(as_text=True)
    assert "Versjon 1" in page and "Flere kunder" in page and "Etterpå" not in page
    assert page.count("<svg") == 4
    compare = client.get(f"{base}/compare").get_data(as_text=True)
    assert "Lagt til mål: «Etterpå»." in compare

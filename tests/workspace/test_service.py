"""Workspace services: optimistic locking, the audit sentences, owners, links and notices."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.orgs import scoping
from portal.outbox.models import OutboxItem
from portal.workspace import activity, feed, planning, service, snapshots
from portal.workspace.errors import ConflictError, WorkspaceError
from portal.workspace.models import Goal, Measure
from tests.workspace.factories import add_goal, add_measure, make_workbook


def test_a_second_save_of_the_same_section_is_a_conflict_that_keeps_both(acme, wb) -> None:
    org = acme.org
    with scoping.org_scope(org):
        content = service.section_content_by_key(org, wb, "mandat")
        start = content.version
        service.save_section(org, acme.owner, wb, content, "Eierens tekst", start)
        with pytest.raises(ConflictError) as caught:
            service.save_section(org, acme.editor, wb, content, "Redaktørens tekst", start)
        assert caught.value.theirs == "Eierens tekst"
        assert caught.value.their_author == acme.owner.name
        db.session.expire_all()
        assert service.section_content_by_key(org, wb, "mandat").prose_md == "Eierens tekst"


def test_the_conflict_page_shows_both_versions(client, login, post, acme, wb) -> None:
    with scoping.org_scope(acme.org):
        content = service.section_content_by_key(acme.org, wb, "mandat")
    url = f"/orgs/acme/workspace/{wb.id}/sections/{content.id}"
    version = str(content.version)
    login(client, acme.owner)
    assert post(url, {"prose": "Første lagring", "version": version}).status_code == 303
    login(client, acme.editor)
    response = post(url, {"prose": "Andre lagring", "version": version})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Første lagring" in page and "Andre lagring" in page
    assert "Ingenting er overskrevet" in page
    with scoping.org_scope(acme.org):
        db.session.expire_all()
        assert service.section_content_by_key(acme.org, wb, "mandat").prose_md == "Første lagring"


def test_changes_are_audited_as_readable_sentences(acme, wb) -> None:
    measure = add_measure(acme, wb, "Nettbutikk")
    with scoping.org_scope(acme.org):
        values = {"status": "in_progress", "effect": 5}
        planning.save(acme.org, acme.editor, wb, measure, values)
        entries = feed.recent_activity(acme.org)
    sentences = [activity.describe(e) for e in entries]
    assert sentences[0] == (
        "Editor Acme AS endret tiltaket «Nettbutikk»: status: Planlagt → Pågår; effekt: 3 → 5."
    )
    assert "Eier Acme AS opprettet arbeidsboken «Strategi»." in sentences


def test_an_owner_must_be_a_member(acme, fjord, wb) -> None:
    with scoping.org_scope(acme.org), pytest.raises(WorkspaceError):
        planning.save(acme.org, acme.owner, wb, Goal(), {"title": "x", "owner_id": fjord.owner.id})


def test_links_stay_inside_the_workbook(acme, wb) -> None:
    other = make_workbook(acme, "Annen")
    goal = add_goal(acme, other, "I en annen bok")
    with scoping.org_scope(acme.org), pytest.raises(WorkspaceError):
        planning.save(acme.org, acme.owner, wb, Measure(), {"title": "x"}, goal_ids=[goal.id])


def test_assigning_an_owner_sends_a_notice_through_the_outbox(acme, wb) -> None:
    goal = add_goal(acme, wb, "Mål", owner_id=None)
    with scoping.org_scope(acme.org):
        planning.save(acme.org, acme.owner, wb, goal, {"owner_id": acme.editor.id})
    items = list(db.session.scalars(select(OutboxItem)))
    assert [i.payload["to"] for i in items] == [acme.editor.email]
    assert "Mål" in items[0].payload["text"]
    with scoping.org_scope(acme.org):
        planning.save(acme.org, acme.owner, wb, goal, {"title": "Nytt navn"})  # same owner
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 1


def test_measurements_are_append_only_and_progress_follows_the_latest(acme, wb) -> None:
    goal = add_goal(acme, wb, baseline=Decimal(10), target=Decimal(30))
    with scoping.org_scope(acme.org):
        planning.add_measurement(acme.org, acme.owner, wb, goal, date(2026, 1, 1), Decimal(15), "")
        planning.add_measurement(acme.org, acme.owner, wb, goal, date(2026, 6, 1), Decimal(20), "")
        readings = planning.measurements(acme.org, goal)
    assert [r.value for r in readings] == [Decimal(20), Decimal(15)]
    assert goal.progress(readings[0].value) == 0.5
    assert not hasattr(planning, "update_measurement")


def test_a_goal_without_indicator_takes_no_measurement(acme, wb) -> None:
    goal = add_goal(acme, wb, indicator_unit="")
    with scoping.org_scope(acme.org), pytest.raises(WorkspaceError):
        planning.add_measurement(acme.org, acme.owner, wb, goal, date(2026, 1, 1), Decimal(1), "")


def test_status_moves_only_along_the_lifecycle(acme, wb) -> None:
    with scoping.org_scope(acme.org):
        service.change_status(acme.org, acme.owner, wb, "review")
        with pytest.raises(WorkspaceError):
            service.change_status(acme.org, acme.owner, wb, "revised")
    assert wb.status == "review"


def test_exports_get_plain_data_of_the_workbook_or_a_version(acme, fjord, wb) -> None:
    add_goal(acme, wb, "Flere kunder")
    with scoping.org_scope(acme.org):
        snap = snapshots.adopt(acme.org, acme.owner, wb, "V1")
        add_goal(acme, wb, "Etterpå")
        live = service.workbook_document_data(acme.org, wb.id)
        frozen = service.workbook_document_data(acme.org, wb.id, snap.id)
    assert [g["title"] for g in live["goals"]] == ["Flere kunder", "Etterpå"]
    assert [g["title"] for g in frozen["goals"]] == ["Flere kunder"]
    assert frozen["snapshot"]["name"] == "V1"
    assert json.loads(json.dumps(live)) == live  # plain data only
    with scoping.org_scope(fjord.org), pytest.raises(LookupError):
        service.workbook_document_data(fjord.org, wb.id)

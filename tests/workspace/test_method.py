"""Method checks: each gap is found, links to where it is fixed and to its article, and goes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import g, url_for

from portal.orgs import scoping
from portal.workspace import documents, method, planning, service
from tests.workspace.factories import add_benefit, add_goal, add_measure, make_workbook

TODAY = date(2026, 6, 1)


def gaps(acme, wb) -> dict[str, method.Gap]:
    with scoping.org_scope(acme.org):
        data = documents.overview(acme.org, wb)
    return {(g.code, g.target_id): g for g in method.check(data, TODAY)}


def test_an_empty_workbook_lacks_its_mandate(acme, wb) -> None:
    found = gaps(acme, wb)
    assert set(found) == {("no_mandate", None)}
    assert found[("no_mandate", None)].article == "hva-er-en-digital-strategi"


def test_no_planning_period(acme) -> None:
    wb = make_workbook(acme, period_from=None, period_to=None)
    assert ("no_period", None) in gaps(acme, wb)


def test_each_gap_of_goals_measures_and_benefits(app, acme, wb) -> None:
    bare = add_goal(acme, wb, "Uten alt", indicator_unit="", target=None, owner_id=None)
    unmeasured = add_goal(acme, wb, "Umålt")
    orphan = add_measure(acme, wb, "Foreldreløs", owner_id=None)
    unowned = add_benefit(acme, wb, "Eierløs", owner_id=None)
    found = gaps(acme, wb)
    assert {
        ("goal_no_indicator", bare.id), ("goal_no_owner", bare.id),
        ("goal_unmeasured", unmeasured.id), ("measure_no_owner", orphan.id),
        ("measure_no_goal", orphan.id), ("benefit_no_owner", unowned.id),
    } <= set(found)  # fmt: skip
    gap = found[("measure_no_goal", orphan.id)]
    assert gap.article == "tiltak-og-prioritering"
    with app.test_request_context():
        g.org = acme.org
        link = url_for(gap.fix[0], **gap.fix[1])
    assert link == f"/orgs/acme/workspace/{wb.id}/measures/{orphan.id}"
    # Fix them: every gap goes away.
    with scoping.org_scope(acme.org):
        fixed = {"indicator_unit": "%", "target": Decimal(5), "owner_id": acme.owner.id}
        planning.save(acme.org, acme.owner, wb, bare, fixed)
        for goal in (bare, unmeasured):
            planning.add_measurement(acme.org, acme.owner, wb, goal, TODAY, Decimal(1), "")
        planning.save(acme.org, acme.owner, wb, orphan, {"owner_id": acme.owner.id},
                      goal_ids=[unmeasured.id])  # fmt: skip
        planning.save(acme.org, acme.owner, wb, unowned, {"owner_id": acme.owner.id})
        content = service.section_content_by_key(acme.org, wb, "mandat")
        service.save_section(
            acme.org, acme.owner, wb, content, "Støtter vekstmålet.", content.version
        )
    assert gaps(acme, wb) == {}


def test_an_indicator_is_only_due_inside_the_planning_period(acme) -> None:
    wb = make_workbook(acme, period_from=2027, period_to=2030)
    add_goal(acme, wb, "Senere")
    assert not any(code == "goal_unmeasured" for code, _id in gaps(acme, wb))

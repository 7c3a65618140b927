"""Workspace pages: the lifecycle for each role, the front, sections, forms and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.orgs import scoping
from portal.workspace import service
from portal.workspace.models import Goal, Item, Measure, MeasureGoal, Measurement, Workbook
from tests.support.tenants import Tenant
from tests.workspace.factories import add_goal, add_measure, load_test_template, make_workbook

EDITORS = ("owner", "admin", "editor")


def base(wb: Workbook) -> str:
    return f"/orgs/acme/workspace/{wb.id}"


def section_id(acme: Tenant, wb: Workbook, key: str) -> int:
    with scoping.org_scope(acme.org):
        return service.section_content_by_key(acme.org, wb, key).id


@pytest.mark.parametrize("role", EDITORS)
def test_editors_create_a_workbook_and_fill_it_in(client, login, post, acme: Tenant, role) -> None:
    template = load_test_template()
    login(client, acme.user(role))
    assert "Ny arbeidsbok" in client.get("/orgs/acme/workspace/").get_data(as_text=True)
    form = {"template_id": template.id, "title": "Plan", "period_from": "2026", "period_to": "2029"}
    response = post("/orgs/acme/workspace/new", form)
    assert response.status_code == 303
    with scoping.org_scope(acme.org):
        wb = db.session.scalar(Workbook.select_for(acme.org).where(Workbook.title == "Plan"))
    assert wb.template_id == template.id and wb.status == "draft"
    sid = section_id(acme, wb, "mandat")
    assert post(f"{base(wb)}/sections/{sid}", {"prose": "Vi skal **vokse**.", "version": "1"}
                ).status_code == 303  # fmt: skip
    page = client.get(f"{base(wb)}/sections/{sid}").get_data(as_text=True)
    assert "Vi skal **vokse**." in page
    # The template's guidance is Markdown: shown as emphasis and a list, never as asterisks.
    assert "Skriv <strong>mandatet</strong>:" in page and "<li>hvem som eier det</li>" in page
    assert "**mandatet**" not in page
    grid = section_id(acme, wb, "swot")
    assert post(f"{base(wb)}/sections/{grid}/items",
                {"box": "styrker", "title": "Raske", "text": ""}).status_code == 303  # fmt: skip
    goal_form = {"title": "Flere kunder", "indicator_unit": "%", "baseline": "10",
                 "target": "40,5", "owner_id": "0"}  # fmt: skip
    assert post(f"{base(wb)}/goals/new", goal_form).status_code == 303
    with scoping.org_scope(acme.org):
        goal = db.session.scalar(Goal.select_for(acme.org))
    assert str(goal.target) == "40.5000"
    assert post(f"{base(wb)}/goals/{goal.id}/measurements",
                {"measured_on": "2026-05-01", "value": "12,5"}).status_code == 303  # fmt: skip
    assert post(f"{base(wb)}/measures/new", {
        "title": "Nettbutikk", "goal_ids": [str(goal.id)], "owner_id": "0", "priority": "1",
        "effect": "5", "effort": "2", "investment_nok": "100 000", "operating_nok": "",
        "start_date": "2026-01-01", "end_date": "2026-12-31", "status": "planned",
        "milestones": "01.06.2026 Pilot",
    }).status_code == 303  # fmt: skip
    with scoping.org_scope(acme.org):
        measure = db.session.scalar(Measure.select_for(acme.org))
        assert db.session.scalar(select(MeasureGoal.goal_id)) == goal.id
    assert measure.milestones == [{"date": "2026-06-01", "title": "Pilot"}]
    dashboard = client.get(f"{base(wb)}/dashboard").get_data(as_text=True)
    assert "<svg" in dashboard and "Nettbutikk" in dashboard and "Flere kunder" in dashboard
    assert post(f"{base(wb)}/adopt", {"name": "Vedtatt i styret"}).status_code == 303
    assert "Vedtatt" in client.get(f"{base(wb)}/").get_data(as_text=True)


def test_a_member_reads_and_comments_but_edits_nothing(client, login, post, acme, wb) -> None:
    goal = add_goal(acme, wb, "Synlig mål")
    login(client, acme.member)
    overview = client.get(f"{base(wb)}/").get_data(as_text=True)
    assert "Strategi" in overview and "Vedta en versjon" not in overview
    sid = section_id(acme, wb, "mandat")
    page = client.get(f"{base(wb)}/sections/{sid}").get_data(as_text=True)
    assert "Lagre teksten" not in page and "Kommenter" in page
    assert client.get(f"{base(wb)}/goals/{goal.id}").status_code == 200
    for url, data in [
        (f"{base(wb)}/sections/{sid}", {"prose": "x", "version": "1"}),
        (f"{base(wb)}/goals/new", {"title": "x"}),
        (f"{base(wb)}/goals/{goal.id}", {"title": "x"}),
        (f"{base(wb)}/goals/{goal.id}/delete", {}),
        (f"{base(wb)}/goals/{goal.id}/measurements", {"measured_on": "2026-01-01", "value": "1"}),
        (f"{base(wb)}/adopt", {"name": "x"}),
        (f"{base(wb)}/status", {"status": "review"}),
        (f"{base(wb)}/settings", {"title": "x"}),
        ("/orgs/acme/workspace/new", {"title": "x"}),
    ]:
        assert post(url, data).status_code == 403, url
    assert client.get("/orgs/acme/workspace/new").status_code == 403
    assert post(f"{base(wb)}/sections/{sid}/comments", {"body": "Godt <b>poeng</b>"}
                ).status_code == 303  # fmt: skip
    with scoping.org_scope(acme.org):
        comments = service.comments(acme.org, wb, "mandat")
        assert [c.body for c in comments] == ["Godt poeng"]
        assert db.session.get(Goal, goal.id).title == "Synlig mål"


def test_a_lapsed_organisation_reads_but_cannot_write(client, login, post, acme, wb) -> None:
    acme.org.trial_ends_at = None  # no trial, no subscription, no grant: access lapsed
    db.session.flush()
    login(client, acme.owner)
    overview = client.get(f"{base(wb)}/")
    assert overview.status_code == 200
    assert "ikke lenger tilgang" in overview.get_data(as_text=True)
    sid = section_id(acme, wb, "mandat")
    response = post(f"{base(wb)}/sections/{sid}", {"prose": "Ny tekst", "version": "1"})
    assert response.status_code == 403
    assert "skrivebeskyttet" in response.get_data(as_text=True)
    assert post(f"{base(wb)}/sections/{sid}/comments", {"body": "Hei"}).status_code == 403
    assert client.get(f"{base(wb)}/dashboard").status_code == 200


def test_the_front_shows_workbooks_gaps_due_measures_and_activity(client, login, acme, wb) -> None:
    add_measure(acme, wb, "Snart ferdig", start_date=None, end_date=None)
    login(client, acme.editor)
    page = client.get("/orgs/acme/workspace/").get_data(as_text=True)
    assert "Strategi" in page
    assert "Tiltaket «Snart ferdig» er ikke knyttet til et mål." in page
    assert "opprettet arbeidsboken «Strategi»" in page
    assert "/articles/tiltak-og-prioritering" in page


def test_following_a_gap_link_fixes_it(client, login, post, acme, wb) -> None:
    login(client, acme.owner)
    overview = client.get(f"{base(wb)}/").get_data(as_text=True)
    sid = section_id(acme, wb, "mandat")
    assert "Koblingen til virksomhetsstrategien er ikke beskrevet." in overview
    assert f'href="{base(wb)}/sections/{sid}#prose"' in overview
    post(f"{base(wb)}/sections/{sid}", {"prose": "Støtter målet om vekst.", "version": "1"})
    overview = client.get(f"{base(wb)}/").get_data(as_text=True)
    assert "Koblingen til virksomhetsstrategien er ikke beskrevet." not in overview


BAD_MEASURES = [
    ({"effect": "7"}, "Velg en verdi fra 1 til 5."),
    ({"effort": "0"}, "Velg en verdi fra 1 til 5."),
    ({"start_date": "2026-05-01", "end_date": "2026-04-01"}, "Slutten kan ikke være før starten."),
    ({"investment_nok": "mange"}, "Skriv et tall, for eksempel 12,5."),
    ({"investment_nok": "-5"}, "Beløpet kan ikke være negativt."),
    ({"milestones": "snart Pilot"}, "Linje 1: begynn med en dato"),
    ({"title": ""}, "Fyll inn en tittel."),
]


@pytest.mark.parametrize(("bad", "message"), BAD_MEASURES)
def test_bad_measure_input_is_refused_with_a_message(
    client, login, post, acme, wb, bad, message
) -> None:
    login(client, acme.editor)
    data = {"title": "Tiltak", "owner_id": "0", "priority": "2", "status": "planned", **bad}
    response = post(f"{base(wb)}/measures/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with scoping.org_scope(acme.org):
        assert db.session.scalar(select(func.count()).select_from(Measure)) == 0


def test_measurements_take_decimal_commas_and_refuse_words(client, login, post, acme, wb) -> None:
    goal = add_goal(acme, wb)
    login(client, acme.editor)
    url = f"{base(wb)}/goals/{goal.id}/measurements"
    response = post(url, {"measured_on": "2026-02-01", "value": "tolv"})
    assert response.status_code == 422
    assert "Skriv et tall, for eksempel 12,5." in response.get_data(as_text=True)
    assert post(url, {"measured_on": "01.03.2026", "value": "1 234,5"}).status_code == 303
    with scoping.org_scope(acme.org):
        values = list(db.session.scalars(select(Measurement.value)))
    assert [str(v) for v in values] == ["1234.5000"]


def test_a_goal_cannot_link_another_organisations_ids(client, login, post, acme, fjord, wb) -> None:
    theirs = make_workbook(fjord, "Fjords")
    their_goal = add_goal(fjord, theirs, "Fjords mål")
    login(client, acme.owner)
    response = post(f"{base(wb)}/measures/new", {"title": "Lån", "owner_id": "0", "priority": "2",
                    "status": "planned", "goal_ids": [str(their_goal.id)]})  # fmt: skip
    assert response.status_code == 422
    response = post(f"{base(wb)}/goals/new", {"title": "x", "owner_id": str(fjord.owner.id)})
    assert response.status_code == 422
    with scoping.org_scope(acme.org):
        assert db.session.scalar(select(func.count()).select_from(MeasureGoal)) == 0
        assert db.session.scalar(select(func.count()).select_from(Goal)) == 0


def test_html_and_script_are_sanitised_everywhere(client, login, post, acme, wb) -> None:
    login(client, acme.editor)
    sid = section_id(acme, wb, "mandat")
    post(f"{base(wb)}/sections/{sid}", {
        "prose": "Hei <script>alert(1)</script> [lenke](javascript:alert(1)) "
                 "<img src=x onerror=alert(1)>",
        "version": "1",
    })  # fmt: skip
    grid = section_id(acme, wb, "veivalg")
    post(f"{base(wb)}/sections/{grid}/items", {"title": "<script>alert(2)</script>Sky", "text": ""})
    with scoping.org_scope(acme.org):
        content = service.section_content_by_key(acme.org, wb, "mandat")
        item = db.session.scalar(Item.select_for(acme.org))
    html = content.prose_html
    assert "<script" not in html and 'href="javascript' not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as the text it was, never run
    assert item.title == "Sky"
    login(client, acme.member)
    page = client.get(f"{base(wb)}/sections/{sid}").get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_a_megabyte_of_prose_is_refused_with_a_message(client, login, post, acme, wb) -> None:
    login(client, acme.editor)
    sid = section_id(acme, wb, "mandat")
    response = post(f"{base(wb)}/sections/{sid}", {"prose": "ord " * 260_000, "version": "1"})
    assert response.status_code in (413, 422)
    body = response.get_data(as_text=True)
    assert "for stort" in body or "for lang" in body
    response = post(f"{base(wb)}/sections/{sid}", {"prose": "x" * 120_000, "version": "1"})
    assert response.status_code == 422
    assert "Teksten er for lang" in response.get_data(as_text=True)
    with scoping.org_scope(acme.org):
        assert service.section_content_by_key(acme.org, wb, "mandat").prose_md == ""


def test_period_ending_before_it_starts_is_refused(client, login, post, acme, wb) -> None:
    login(client, acme.owner)
    form = {"title": "Strategi", "period_from": "2029", "period_to": "2026",
            "version": str(wb.version)}  # fmt: skip
    response = post(f"{base(wb)}/settings", form)
    assert response.status_code == 422
    assert "Perioden kan ikke slutte før den begynner." in response.get_data(as_text=True)


def test_the_organisation_overview_shows_the_workspace(client, login, acme, wb) -> None:
    login(client, acme.member)
    page = client.get("/orgs/acme/").get_data(as_text=True)
    assert "Gå til arbeidsrommet" in page and "Strategi" in page
    assert "Koblingen til virksomhetsstrategien er ikke beskrevet." in page


def test_comments_on_items_stay_inside_the_workbook(client, login, post, acme, fjord, wb) -> None:
    goal = add_goal(acme, wb, "Kommentert mål")
    theirs = add_goal(fjord, make_workbook(fjord, "Fjords"), "Fjords mål")
    sid = section_id(acme, wb, "digitale-mal")
    login(client, acme.member)
    url = f"{base(wb)}/sections/{sid}/comments"
    assert post(url, {"body": "Godt mål", "target": f"goal:{goal.id}"}).status_code == 303
    assert post(url, {"body": "Lurt", "target": f"goal:{theirs.id}"}).status_code == 404
    with scoping.org_scope(acme.org):
        comments = service.comments(acme.org, wb, "digitale-mal")
    assert [(c.body, c.item_kind, c.item_id) for c in comments] == [("Godt mål", "goal", goal.id)]


def test_scripts_in_row_fields_are_stripped(client, login, post, acme, wb) -> None:
    login(client, acme.editor)
    form = {"title": "<script>alert(1)</script>Mål <b>én</b>", "description": "<i>x</i>",
            "owner_id": "0"}  # fmt: skip
    assert post(f"{base(wb)}/goals/new", form).status_code == 303
    with scoping.org_scope(acme.org):
        goal = db.session.scalar(Goal.select_for(acme.org))
    assert (goal.title, goal.description) == ("Mål én", "x")

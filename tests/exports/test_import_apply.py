"""Excel back in, all the way: export a real workbook, edit cells as a planner would, upload,
preview, confirm — and the workbook changed in exactly those cells, audited, once.

Refusals write nothing: bad files (also when swapped in after the preview), another
organisation's ids, members, lapsed organisations, someone else's preview, a stale preview.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.exports import builder, importer, imports, storage
from portal.exports.render_xlsx import render_xlsx
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs.models import OrgAuditEntry
from portal.workspace import activity, importing, planning, snapshots
from portal.workspace import service as workspace
from portal.workspace.errors import WorkspaceError
from portal.workspace.models import Workbook
from tests.support.tenants import Tenant
from tests.workspace.factories import add_benefit, add_goal, add_measure, add_risk, make_workbook

IMPORT = "/orgs/acme/exports/import"
CONFIRM = "/orgs/acme/exports/import/confirm"


@pytest.fixture(autouse=True)
def no_kept_uploads(app: Flask) -> None:
    """Each test starts with no uploads waiting for a confirm (the folder is per test run)."""
    for path in (storage.export_dir() / "imports").glob("*.xlsx"):
        path.unlink()


@pytest.fixture
def wb(acme: Tenant) -> Workbook:
    wb = make_workbook(acme, "IKT-strategi for Ærø")
    goal = add_goal(acme, wb, "Økt selvbetjening", baseline=Decimal(35), target=Decimal(80))
    add_goal(acme, wb, "Færre papirskjema", indicator_unit="stk", target=Decimal(100))
    with scoping.org_scope(acme.org):
        planning.add_measurement(
            acme.org, acme.owner, wb, goal, date(2026, 6, 1), Decimal(40), "Juni"
        )
    add_measure(acme, wb, "Ny søknadsløsning", goal_ids=[goal.id], investment_nok=Decimal(250000))
    add_measure(acme, wb, "Opplæring i Ålesund")
    add_benefit(acme, wb, "Spart tid i saksbehandlingen")
    add_risk(acme, wb, "Leverandøren blir forsinket")
    return wb


def data_of(tenant: Tenant, wb: Workbook) -> dict[str, Any]:
    with scoping.org_scope(tenant.org):
        db.session.expire_all()
        return workspace.workbook_document_data(tenant.org, wb.id)


def exported(tenant: Tenant, wb: Workbook) -> openpyxl.Workbook:
    """The workbook's XLSX from the real builder and renderer, opened for editing."""
    with scoping.org_scope(tenant.org):
        doc = builder.build_document(tenant.org, wb.id, None, "nb")
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(doc)))


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def planner_edits(tenant: Tenant, wb: Workbook) -> bytes:
    """A measure's effect, a goal's target with a decimal comma, a new measure, a new reading."""
    book = exported(tenant, wb)
    goal_id = book["Mål"]["A2"].value
    book["Tiltak"]["F2"] = 5  # effect 3 → 5
    book["Mål"]["G2"] = "90,5"  # target 80 → 90,5, typed as text the Norwegian way
    new = ["", "Digital postkasse", "Svar digitalt", "Editor Acme AS", 1, 4, 2, "1 500,50", None,
           "01.03.2027", "2027-06-30", "Pågår", str(goal_id)]  # fmt: skip
    for column, value in enumerate(new, 1):
        book["Tiltak"].cell(row=4, column=column, value=value or None)
    for column, value in enumerate([goal_id, None, datetime(2026, 12, 1), "55,5", "Desember"], 1):
        book["Målinger"].cell(row=3, column=column, value=value)
    return saved(book)


def upload(client: FlaskClient, csrf_token: Any, wb: Workbook, data: bytes) -> tuple[int, str]:
    token = csrf_token(client, IMPORT)
    response = client.post(
        IMPORT,
        data={"csrf_token": token, "workbook_id": str(wb.id),
              "file": (io.BytesIO(data), "plan.xlsx")},
        content_type="multipart/form-data",
    )  # fmt: skip
    return response.status_code, response.get_data(as_text=True)


def confirm_token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "no confirm button on the preview"
    return match.group(1)


def confirm(client: FlaskClient, csrf_token: Any, token: str) -> Any:
    csrf = csrf_token(client, IMPORT)
    return client.post(CONFIRM, data={"csrf_token": csrf, "token": token})


def previewed(
    client: FlaskClient, login: Any, csrf_token: Any, tenant: Tenant, wb: Workbook
) -> tuple[str, dict[str, Any]]:
    """The editor's clean preview of the planner's edits: its confirm token, and the workbook
    as it was before anything is confirmed."""
    login(client, tenant.editor)
    _status, page = upload(client, csrf_token, wb, planner_edits(tenant, wb))
    return confirm_token(page), data_of(tenant, wb)


def workspace_log(tenant: Tenant) -> list[OrgAuditEntry]:
    with scoping.org_scope(tenant.org):
        query = OrgAuditEntry.select_for(tenant.org).where(OrgAuditEntry.action.like("workspace.%"))
        return list(db.session.scalars(query.order_by(OrgAuditEntry.id)))


def test_the_round_trip_changes_exactly_the_edited_cells(
    app: Flask, client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, wb: Workbook
) -> None:
    before = data_of(acme, wb)
    version = wb.version
    logged = len(workspace_log(acme))
    login(client, acme.editor)
    status, page = upload(client, csrf_token, wb, planner_edits(acme, wb))
    assert status == 200, page
    assert "Nye: 2 · Endret: 2 · Uendret: 5" in page
    assert "<li>Digital postkasse</li>" in page
    assert "<li>Måling av «Økt selvbetjening»: 55,5 (01.12.2026)</li>" in page
    assert re.search(r"<td>Målverdi</td><td>80</td><td>90,5</td>", page)
    assert re.search(r"<td>Effekt \(1–5\)</td><td>3</td><td>5</td>", page)
    assert data_of(acme, wb) == before  # the preview wrote nothing

    response = confirm(client, csrf_token, confirm_token(page))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/orgs/acme/workspace/{wb.id}/")
    after = data_of(acme, wb)

    expected = copy.deepcopy(before)
    goal, measure = expected["goals"][0], expected["measures"][0]
    goal["target"] = 90.5
    goal["measurements"].append({"date": "2026-12-01", "value": 55.5, "note": "Desember"})
    for derived in ("latest_value", "latest_on", "measurement_count", "progress"):
        goal[derived] = after["goals"][0][derived]
    measure["effect"] = 5
    [added] = [m for m in after["measures"] if m["title"] == "Digital postkasse"]
    expected["measures"].append(added)
    assert after == expected
    assert after["goals"][0]["latest_value"] == 55.5
    assert added | {"id": 0, "milestones": [], "linked": True} == {
        "id": 0, "title": "Digital postkasse", "description": "Svar digitalt",
        "owner": {"id": acme.editor.id, "name": "Editor Acme AS"}, "priority": 1, "effect": 4,
        "effort": 2, "investment_nok": 1500.5, "operating_nok": None,
        "start_date": "2027-03-01", "end_date": "2027-06-30", "status": "in_progress",
        "milestones": [], "linked": True, "goal_ids": [goal["id"]],
    }  # fmt: skip

    # Every change is in the workspace's history as a sentence; the version moved on.
    entries = workspace_log(acme)[logged:]
    sentences = [activity.describe(entry) for entry in entries]
    assert [e.action for e in entries] == [
        "workspace.measure.added", "workspace.goal.updated", "workspace.measure.updated",
        "workspace.measurement.added",
    ]  # fmt: skip
    assert "Editor Acme AS endret målet «Økt selvbetjening»: målverdi: 80 → 90,5." in sentences
    assert "Editor Acme AS la til tiltaket «Digital postkasse»." in sentences
    assert any("effekt: 3 → 5" in s for s in sentences)
    with scoping.org_scope(acme.org):
        db.session.expire_all()
        assert db.session.get_one(Workbook, wb.id).version > version
    assert list((storage.export_dir() / "imports").glob("*.xlsx")) == []

    # The same file again changes nothing: its new measure and reading are there already.
    status, page = upload(client, csrf_token, wb, planner_edits(acme, wb))
    assert status == 200
    assert "Filen endrer ingenting i arbeidsboken." in page and 'name="token"' not in page


def test_the_same_new_row_imported_twice_is_created_once(
    app: Flask, client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, wb: Workbook
) -> None:
    data = planner_edits(acme, wb)
    login(client, acme.owner)
    _status, page = upload(client, csrf_token, wb, data)
    assert confirm(client, csrf_token, confirm_token(page)).status_code == 303
    again = imports.preview_import(acme.org, acme.owner, wb.id, data, "nb")
    assert again.preview.ok and again.preview.empty and again.token is None
    titles = [m["title"] for m in data_of(acme, wb)["measures"]]
    assert titles.count("Digital postkasse") == 1


def test_a_used_preview_cannot_be_applied_twice(
    app: Flask, client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, wb: Workbook
) -> None:
    login(client, acme.editor)
    _status, page = upload(client, csrf_token, wb, planner_edits(acme, wb))
    token = confirm_token(page)
    assert confirm(client, csrf_token, token).status_code == 303
    once = data_of(acme, wb)
    response = confirm(client, csrf_token, token)
    assert response.status_code == 422
    assert "utløpt eller allerede tatt inn" in response.get_data(as_text=True)
    assert data_of(acme, wb) == once


def _formula(book: openpyxl.Workbook) -> bytes:
    book["Tiltak"]["C2"] = "=1+1"
    return saved(book)


def _zip_bomb(_book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (importer.MAX_UNPACKED_BYTES + 1))
    return out.getvalue()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_formula, "har en formel"),
        (lambda _book: b"%PDF-1.7 not a spreadsheet", "ikke en Excel-fil"),
        (_zip_bomb, "pakker seg ut"),
    ],
)
def test_a_bad_file_swapped_in_after_the_preview_is_refused_on_confirm(
    app: Flask, client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, wb: Workbook,
    spoil: Any, message: str,
) -> None:  # fmt: skip
    token, before = previewed(client, login, csrf_token, acme, wb)
    # The kept file is read and checked again on confirm, as if it were a new upload.
    [kept] = (storage.export_dir() / "imports").glob("*.xlsx")
    kept.write_bytes(spoil(exported(acme, wb)))
    response = confirm(client, csrf_token, token)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert data_of(acme, wb) == before


def test_another_organisations_ids_are_a_problem_and_nothing_is_written(
    app: Flask, client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, fjord: Tenant,
    wb: Workbook,
) -> None:  # fmt: skip
    theirs = make_workbook(fjord, "Fjords plan")
    their_measure = add_measure(fjord, theirs, "Fjords tiltak")
    book = exported(acme, wb)
    book["Tiltak"]["F2"] = 1
    book["Tiltak"]["A3"] = their_measure.id
    before = data_of(acme, wb)
    login(client, acme.editor)
    status, page = upload(client, csrf_token, wb, saved(book))
    assert status == 422
    assert f"ID {their_measure.id} finnes ikke i denne arbeidsboken" in page
    assert 'name="token"' not in page
    # Applying refuses too: a token for a clean preview, then the file is swapped.
    _status, page = upload(client, csrf_token, wb, planner_edits(acme, wb))
    [kept] = (storage.export_dir() / "imports").glob("*.xlsx")
    kept.write_bytes(saved(book))
    response = confirm(client, csrf_token, confirm_token(page))
    assert response.status_code == 422
    assert f"ID {their_measure.id} finnes ikke" in response.get_data(as_text=True)
    assert data_of(acme, wb) == before


def test_an_owner_who_is_not_a_member_is_a_problem(
    app: Flask, acme: Tenant, fjord: Tenant, wb: Workbook
) -> None:
    book = exported(acme, wb)
    book["Tiltak"]["D2"] = fjord.owner.email
    book["Tiltak"]["D3"] = "editor@acme.test"  # an e-mail address names a member too
    with scoping.org_scope(acme.org):
        staged = imports.preview_import(acme.org, acme.editor, wb.id, saved(book), "nb")
    assert staged.token is None
    assert staged.preview.problems == [
        f"Rad 2 i «Tiltak»: «{fjord.owner.email}» er ikke medlem av organisasjonen."
    ]
    assert staged.preview.changed[1].values == {"owner": acme.editor.id}


def test_what_the_workspace_would_refuse_is_a_problem_in_words(
    app: Flask, acme: Tenant, wb: Workbook
) -> None:
    book = exported(acme, wb)
    book["Tiltak"]["E2"] = 7  # priority is 1-3
    book["Tiltak"]["K3"] = "01.01.2020"  # ends before it starts
    book["Tiltak"]["H3"] = "-5"
    book["Risikoer"]["B3"] = "Ny risiko uten vurdering"
    book["Mål"]["B3"] = "x" * 301
    with scoping.org_scope(acme.org):
        staged = imports.preview_import(acme.org, acme.editor, wb.id, saved(book), "nb")
    assert staged.token is None
    assert staged.preview.problems == [
        "Rad 3 i «Mål»: Mål kan være høyst 300 tegn.",
        "Rad 2 i «Tiltak»: Prioritet må være 1, 2 eller 3.",
        "Rad 3 i «Tiltak»: Investering (kr) kan ikke være negativt.",
        "Rad 3 i «Tiltak»: Slutt kan ikke være før start.",
        "Rad 3 i «Risikoer»: Sannsynlighet (1–5) må fylles ut.",
        "Rad 3 i «Risikoer»: Konsekvens (1–5) må fylles ut.",
    ]


@pytest.mark.parametrize("role", ["member"])
def test_a_member_cannot_upload_or_confirm(
    client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, wb: Workbook, role: str
) -> None:
    token, before = previewed(client, login, csrf_token, acme, wb)
    login(client, acme.user(role))
    csrf = csrf_token(client, "/orgs/acme/exports/")
    assert client.post(CONFIRM, data={"csrf_token": csrf, "token": token}).status_code == 403
    assert client.get(IMPORT).status_code == 403
    assert data_of(acme, wb) == before


def test_someone_elses_preview_is_refused(
    client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, fjord: Tenant, wb: Workbook
) -> None:
    token, before = previewed(client, login, csrf_token, acme, wb)
    login(client, acme.admin)  # may import, but this preview is the editor's
    response = confirm(client, csrf_token, token)
    assert response.status_code == 422
    assert "utløpt eller allerede tatt inn" in response.get_data(as_text=True)
    login(client, fjord.owner)  # another organisation: its own door, then the token's binding
    csrf = csrf_token(client, "/orgs/fjord/exports/import")
    response = client.post("/orgs/fjord/exports/import/confirm",
                           data={"csrf_token": csrf, "token": token})  # fmt: skip
    assert response.status_code == 422
    assert data_of(acme, wb) == before
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    login(client, acme.editor)
    assert confirm(client, csrf_token, tampered).status_code == 422
    assert data_of(acme, wb) == before


def test_a_lapsed_organisation_takes_no_import(
    client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, wb: Workbook
) -> None:
    token, before = previewed(client, login, csrf_token, acme, wb)
    acme.org.trial_ends_at = None  # no trial, no subscription, no grant: access lapsed
    db.session.flush()
    csrf = csrf_token(client, "/orgs/acme/exports/")
    response = client.post(CONFIRM, data={"csrf_token": csrf, "token": token})
    assert response.status_code == 403
    assert "skrivebeskyttet" in response.get_data(as_text=True)
    page = client.get(IMPORT)
    assert page.status_code == 403 and 'type="file"' not in page.get_data(as_text=True)
    assert data_of(acme, wb) == before


def test_a_stale_preview_is_shown_again_fresh_and_nothing_is_written(
    client: FlaskClient, login: Any, csrf_token: Any, acme: Tenant, wb: Workbook
) -> None:
    login(client, acme.editor)
    _status, page = upload(client, csrf_token, wb, planner_edits(acme, wb))
    first = confirm_token(page)
    # Someone changes the measure in the app meanwhile.
    with scoping.org_scope(acme.org):
        measure = planning.rows(acme.org, wb, planning.Measure)[0]
        planning.save(acme.org, acme.owner, wb, measure, {"effect": 4})
    db.session.flush()
    before = data_of(acme, wb)
    response = confirm(client, csrf_token, first)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "endret siden forhåndsvisningen" in page
    assert re.search(r"<td>Effekt \(1–5\)</td><td>4</td><td>5</td>", page)
    assert data_of(acme, wb) == before
    second = confirm_token(page)
    assert second != first
    assert confirm(client, csrf_token, second).status_code == 303
    assert data_of(acme, wb)["measures"][0]["effect"] == 5


def test_apply_refuses_a_version_it_was_not_worked_out_against(
    app: Flask, acme: Tenant, wb: Workbook
) -> None:
    with scoping.org_scope(acme.org):
        with pytest.raises(WorkspaceError, match="endret arbeidsboken samtidig"):
            importing.apply(acme.org, acme.editor, wb.id, wb.version - 1, [], [])
        with pytest.raises(LookupError):
            importing.workbook_version(acme.org, 10**9)


def test_forgotten_uploads_are_swept(app: Flask, acme: Tenant, wb: Workbook) -> None:
    with scoping.org_scope(acme.org):
        staged = imports.preview_import(acme.org, acme.editor, wb.id,
                                        planner_edits(acme, wb), "nb")  # fmt: skip
    assert staged.token
    folder = storage.export_dir() / "imports"
    assert imports.purge_staged() == 0
    assert imports.purge_staged(now=datetime.now().timestamp() + 2 * 3600) == 1
    assert list(folder.glob("*.xlsx")) == []
    with pytest.raises(ValueError):
        storage.staged_upload("../../etc/passwd")
    assert db.session.scalar(select(Workbook.id).where(Workbook.id == wb.id)) == wb.id


def test_the_workbooks_export_page_leads_to_its_import(
    client: FlaskClient, login: Any, acme: Tenant, wb: Workbook
) -> None:
    other = make_workbook(acme, "Annen plan")
    with scoping.org_scope(acme.org):
        snapshots.adopt(acme.org, acme.owner, wb, "Styrevedtak")
        snapshots.adopt(acme.org, acme.owner, other, "Utkast til ledergruppen")
    login(client, acme.editor)
    page = client.get(f"/orgs/acme/exports/?workbook_id={wb.id}").get_data(as_text=True)
    # Every adopted version of every workbook is offered by workbook title and name.
    assert re.search(rf">{wb.title} – Styrevedtak \(\d\d\.\d\d\.\d{{4}}\)</option>", page)
    assert ">Annen plan – Utkast til ledergruppen (" in page
    assert f'href="/orgs/acme/exports/import?workbook_id={wb.id}"' in page
    assert f'<option value="{wb.id}" selected>{wb.title}</option>' in page
    assert f"Eksporter av «{wb.title}»" in page
    form = client.get(f"{IMPORT}?workbook_id={wb.id}").get_data(as_text=True)
    # The workbook is chosen by its title, and this one is already chosen.
    assert f'<option value="{wb.id}" selected>{wb.title}</option>' in form

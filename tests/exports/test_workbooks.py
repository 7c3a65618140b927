"""Exports of real workspace workbooks: the builder, jobs, versions, other organisations' ids,
and the spreadsheet round trip against the workbook as it is."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from flask import Flask

from portal.exports import builder, importer, imports, service, storage
from portal.exports.models import DONE
from portal.exports.render_docx import render_docx
from portal.exports.render_md import render_markdown
from portal.exports.render_pdf import render_pdf
from portal.exports.render_xlsx import render_xlsx
from portal.exports.service import ExportError
from portal.extensions import db
from portal.orgs import scoping
from portal.workspace import planning, snapshots
from tests.support.tenants import Tenant
from tests.workspace.factories import add_goal, add_measure, add_risk, make_workbook


@pytest.fixture
def workbook(acme: Tenant):  # noqa: ANN201
    wb = make_workbook(acme, "IKT-strategi for Ærø")
    goal = add_goal(acme, wb, "Økt selvbetjening", target=Decimal(80))
    with scoping.org_scope(acme.org):
        planning.add_measurement(
            acme.org, acme.owner, wb, goal, date(2026, 6, 1), Decimal(40), "Juni"
        )
    add_measure(acme, wb, "Ny søknadsløsning", goal_ids=[goal.id], investment_nok=Decimal(250000))
    add_risk(acme, wb, "Leverandøren blir forsinket")
    return wb


def test_a_workbook_becomes_a_document_with_the_dashboards_charts(
    app: Flask, acme: Tenant, workbook
) -> None:  # noqa: ANN001
    with scoping.org_scope(acme.org):
        doc = builder.build_document(acme.org, workbook.id, None, "nb")
    assert doc.title == "IKT-strategi for Ærø" and doc.org_name == "Acme AS"
    assert [g.title for g in doc.goals] == ["Økt selvbetjening"]
    assert doc.goals[0].measurements[0].note == "Juni"
    assert doc.measures[0].investment_nok == Decimal(250000)
    assert set(doc.charts) == {"goal_progress", "effect_effort", "roadmap", "risk_matrix"}
    assert all(svg.startswith("<svg") for svg in doc.charts.values())
    for render in (render_pdf, render_docx, render_xlsx, render_markdown):
        assert len(render(doc)) > 1000
    assert "Ny søknadsløsning" in render_markdown(doc).decode()


def test_an_export_of_a_workbook_runs_and_a_version_is_named(
    app: Flask, acme: Tenant, workbook
) -> None:  # noqa: ANN001
    with scoping.org_scope(acme.org):
        version = snapshots.adopt(acme.org, acme.owner, workbook, "Vedtatt i styret")
    job = service.request_export(acme.org, acme.editor, workbook.id, "pdf", "nb", version.id)
    assert job.title == "IKT-strategi for Ærø – Vedtatt i styret"
    db.session.commit()  # in-process the job runs once this commits
    with scoping.org_scope(acme.org):
        db.session.refresh(job)
    assert job.status == DONE
    assert storage.file_path(job.id, "pdf").read_bytes().startswith(b"%PDF")


def test_another_organisations_workbook_or_another_workbooks_version_is_refused(
    app: Flask, acme: Tenant, fjord: Tenant, workbook
) -> None:  # noqa: ANN001
    with pytest.raises(ExportError, match="Fant ikke arbeidsboken"):
        service.request_export(fjord.org, fjord.owner, workbook.id, "pdf", "nb")
    other = make_workbook(acme, "Annen bok")
    with scoping.org_scope(acme.org):
        version = snapshots.adopt(acme.org, acme.owner, other, "V1")
    with pytest.raises(ExportError, match="Fant ikke arbeidsboken"):
        service.request_export(acme.org, acme.owner, workbook.id, "xlsx", "nb", version.id)


def test_the_spreadsheet_round_trip_changes_exactly_the_edited_cell(
    app: Flask, acme: Tenant, workbook
) -> None:  # noqa: ANN001
    with scoping.org_scope(acme.org):
        doc = builder.build_document(acme.org, workbook.id, None, "nb")
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(doc)))
    book["Tiltak"]["F2"] = 5
    out = io.BytesIO()
    book.save(out)
    with scoping.org_scope(acme.org):
        result = imports.preview_import(
            acme.org, acme.owner, workbook.id, out.getvalue(), "nb"
        ).preview
    assert result.ok, result.problems
    assert [(c.id, c.fields) for c in result.changed] == [
        (doc.measures[0].id, {"Effekt (1–5)": ("3", "5")})
    ]
    assert result.created == []
    # fjord cannot preview against acme's workbook.
    with pytest.raises(ExportError):
        imports.preview_import(acme.org, acme.owner, 10**9, out.getvalue(), "nb")
    assert importer.read_workbook(out.getvalue()).problems == []

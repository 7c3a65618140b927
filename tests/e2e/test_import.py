"""Excel back in, in a browser: acme's owner uploads an edited export of the demo workbook,
reads the preview, confirms and lands on the workbook with the change saved — on a desktop
and a phone, with the preview page axe-clean and no wider than the screen."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from portal import demo
from portal.exports import builder
from portal.exports.render_xlsx import render_xlsx
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs.models import Organization
from portal.workspace import service as workspace
from tests.e2e.test_look import _problems
from tests.e2e.test_workspace import log_in


@pytest.fixture
def axe() -> Any:
    module = pytest.importorskip("axe_playwright_python.sync_playwright")
    return module.Axe()


def edited_export(tmp_path: Path) -> tuple[int, Path, int]:
    """acme's demo workbook exported to XLSX, with the first measure's effect changed."""
    with scoping.system_scope():
        org = db.session.scalar(select(Organization).where(Organization.slug == "acme"))
    with scoping.org_scope(org):
        workbook_id = workspace.workbooks(org)[0].id
        doc = builder.build_document(org, workbook_id, None, "nb")
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(doc)))
    effect = 1 if doc.measures[0].effect != 1 else 2
    book["Tiltak"]["F2"] = effect
    path = tmp_path / "acme-plan.xlsx"
    book.save(path)
    db.session.commit()
    return workbook_id, path, effect


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
)
def test_the_owner_imports_an_edited_spreadsheet(
    page: Any, committed_app: Flask, axe: Any, tmp_path: Path, viewport: dict[str, int]
) -> None:
    demo.seed_all()
    db.session.commit()
    workbook_id, path, effect = edited_export(tmp_path)
    page.set_viewport_size(viewport)
    log_in(page, "owner@acme.example.com", committed_app.config["DEMO_PASSWORD"])

    page.goto("/orgs/acme/exports/import")
    page.get_by_label("Arbeidsbok").select_option(str(workbook_id))
    page.get_by_label("Excel-fil (.xlsx) i eksportens oppsett").set_input_files(str(path))
    page.get_by_role("button", name="Vis forhåndsvisning").click()
    preview = page.get_by_role("region", name="Forhåndsvisning")
    assert "Nye: 0 · Endret: 1" in preview.inner_text()
    assert "Effekt (1–5)" in preview.inner_text()
    assert _problems(page, axe) == []

    page.get_by_role("button", name="Ta inn endringene").click()
    page.wait_for_url(f"**/orgs/acme/workspace/{workbook_id}/")
    assert "Endringene fra Excel-filen er lagret: 0 nye, 1 endret." in page.content()
    with scoping.system_scope():
        org = db.session.scalar(select(Organization).where(Organization.slug == "acme"))
    with scoping.org_scope(org):
        db.session.expire_all()
        data = workspace.workbook_document_data(org, workbook_id)
    assert data["measures"][0]["effect"] == effect

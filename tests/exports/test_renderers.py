"""Each renderer on an empty, a full and a large document: the file opens with a reader library
and holds the headings, numbers and ÆØÅ text; formulas stay text."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import docx
import openpyxl
import pypdf
import pytest
from flask import Flask

from portal.exports import xlsx_layout
from portal.exports.render_docx import render_docx
from portal.exports.render_md import render_markdown
from portal.exports.render_pdf import render_html, render_pdf
from portal.exports.render_xlsx import render_xlsx
from tests.exports.documents import (
    ARABIC,
    FORMULAS,
    RTL,
    empty_document,
    full_document,
    sized_document,
)


def squeeze(text: str) -> str:
    """Text without any whitespace (PDF text extraction spaces letters its own way)."""
    return "".join(text.split())


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_of_a_full_document_has_cover_contents_sections_charts_and_page_numbers(
    app: Flask,
) -> None:
    data = render_pdf(full_document())
    assert data.startswith(b"%PDF")
    pages, text = pdf_text(data)
    flat = squeeze(text)
    assert pages >= 8
    for expected in ("FJELLØ&SØNNAS", "VedtattistyretXdesember".replace("X", "1."), "Innhold",
                     "Digitalemål", "Tiltakoghandlingsplan", "ÅseØdegård", "BjørnÆsland",
                     "1250000kr", "MåloppnåelseÆØÅ60%", f"2/{pages}", "Vedtatt"):  # fmt: skip
        assert squeeze(expected) in flat, expected
    assert "alert(1)" not in text  # the prose's script is gone
    # Every goal's readings in one compact table, a row per goal, oldest first.
    assert squeeze("01.03.2026: 42,5 (Første måling) · 01.09.2026: 62") in flat


def test_pdf_html_keeps_user_text_escaped_and_fetches_nothing(app: Flask) -> None:
    html = render_html(full_document())
    assert "<script>" not in html
    assert "169.254.169.254" not in html  # the image (an SSRF attempt) is dropped
    assert "../../etc/passwd" in html and "&lt;" not in full_document().title


def test_pdf_of_an_empty_document_says_so(app: Flask) -> None:
    pages, text = pdf_text(render_pdf(empty_document()))
    assert pages >= 2
    assert squeeze("Tom arbeidsbok") in squeeze(text)
    assert squeeze("Arbeidsboken har ingen deler ennå.") in squeeze(text)


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_has_real_headings_and_tables(app: Flask) -> None:
    word = docx.Document(io.BytesIO(render_docx(full_document())))
    headings = [
        (p.style.name, p.text)
        for p in word.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert ("Title", "IKT-strategi 2026–2029 for Ærø ../../x") in headings
    assert ("Heading 1", "Digitale mål") in headings
    assert ("Heading 1", "Tiltak og handlingsplan") in headings
    assert ("Heading 2", "Styrker") in headings
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert (
        "Åse Ødegård" in cells
        and "1\u00a0250\u00a0000 kr" in cells
        and RTL in cells
        and ARABIC in cells
    )
    assert FORMULAS[0] in cells
    bullets = [p.text for p in word.paragraphs if p.style.name == "List Bullet"]
    assert "Første punkt" in bullets
    assert word.core_properties.title == "IKT-strategi 2026–2029 for Ærø ../../x"


def test_docx_of_an_empty_document_opens(app: Flask) -> None:
    word = docx.Document(io.BytesIO(render_docx(empty_document())))
    assert any(p.text == "Arbeidsboken har ingen deler ennå." for p in word.paragraphs)


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_part_with_typed_cells_and_frozen_headers(app: Flask) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(full_document())))
    assert book.sheetnames == ["Om", "Mål", "Målinger", "Tiltak", "Gevinster", "Risikoer"]
    measures = book["Tiltak"]
    assert measures.freeze_panes == "B2"
    assert [c.value for c in measures[1]][:3] == ["ID", "Tiltak", "Beskrivelse"]
    first = {measures.cell(1, c).value: measures.cell(2, c) for c in range(1, 14)}
    assert first["ID"].value == 201 and first["Tiltak"].value == "Ny søknadsløsning for byggesak"
    assert first["Investering (kr)"].value == 1250000
    assert first["Investering (kr)"].number_format == '#,##0 "kr"'
    assert isinstance(first["Start"].value, datetime) and first["Start"].value.year == 2026
    assert first["Effekt (1–5)"].value == 5 and first["Status"].value == "Pågår"
    assert first["Mål-ID-er"].value == "101"
    goals = book["Mål"]
    assert goals["B2"].value == "Økt selvbetjening på nett 🚀" and goals["J2"].value == 0.6
    assert goals["B3"].value == RTL
    measurements = book["Målinger"]
    assert measurements["D2"].value == 42.5 and measurements["A2"].value == 101


def test_xlsx_validates_scales_and_statuses(app: Flask) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(full_document())))
    rules = book["Tiltak"].data_validations.dataValidation
    by_area = {str(rule.sqref).split(":")[0]: rule for rule in rules}
    effect = by_area["F2"]
    assert (effect.type, effect.formula1, effect.formula2) == ("whole", "1", "5")
    status = by_area["L2"]
    assert status.type == "list" and status.formula1 == '"Planlagt,Pågår,Ferdig,Stoppet"'
    risks = {str(r.sqref).split(":")[0] for r in book["Risikoer"].data_validations.dataValidation}
    assert {"C2", "D2"} <= risks


def test_xlsx_writes_formula_looking_text_as_text(app: Flask) -> None:
    data = render_xlsx(full_document())
    book = openpyxl.load_workbook(io.BytesIO(data))
    measures = book["Tiltak"]
    titles = {measures.cell(row, 2).value: measures.cell(row, 2) for row in range(2, 9)}
    for text in FORMULAS:
        cell = titles[text]
        assert cell.data_type == "s", text
        assert cell.quotePrefix, text
    assert book["Målinger"]["E3"].value == FORMULAS[0]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        sheets = [archive.read(n).decode() for n in names]
    assert not any(re.search(r"<(\w+:)?f[ >]", sheet) for sheet in sheets)


def test_xlsx_of_an_empty_document_has_the_headers_only(app: Flask) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(empty_document())))
    for sheet in xlsx_layout.SHEETS:
        ws = book[sheet.title()]
        assert ws.max_row == 1
        assert [c.value for c in ws[1]] == sheet.labels()


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_has_headings_tables_and_escaped_text(app: Flask) -> None:
    text = render_markdown(full_document()).decode("utf-8")
    assert text.startswith("# IKT-strategi 2026–2029 for Ærø ../../x\n")
    assert "\n## Digitale mål\n" in text and "\n### Styrker\n" in text
    assert "| 201 | Ny søknadsløsning for byggesak |" in text
    assert "1\u00a0250\u00a0000 kr" in text or "1 250 000 kr" in text
    assert RTL in text and "Åse Ødegård" in text
    assert "**virksomhetens mål**" in text  # prose stays Markdown
    # A table cell cannot break out of its table or start markup of its own.
    row = next(line for line in text.splitlines() if line.startswith("| 206 |"))
    assert row.count("|") == 14


def test_markdown_of_an_empty_document(app: Flask) -> None:
    text = render_markdown(empty_document()).decode("utf-8")
    assert "# Tom arbeidsbok" in text and "Arbeidsboken har ingen deler ennå." in text


# --- Every format ----------------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_markdown, render_xlsx, render_docx, render_pdf])
def test_a_workbook_with_500_measures_renders(app: Flask, render) -> None:  # noqa: ANN001
    data = render(sized_document(goals=20, measures=500))
    assert len(data) > 10_000


def test_english_labels(app: Flask) -> None:
    text = render_markdown(full_document("en")).decode("utf-8")
    assert "## Contents" in text
    assert "| ID | Goal | Description |" in text and "In progress" in text
    assert "NOK 1,250,000" in text
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(full_document("en"))))
    assert book.sheetnames == ["About", "Goals", "Measurements", "Measures", "Benefits", "Risks"]
    assert book["Measures"]["L2"].value == "In progress"

"""Excel back in: the export's own file round-trips to exactly the edited cells; bad files and
bad rows are refused in words."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
from flask import Flask

from portal.exports import importer
from portal.exports.import_preview import preview
from portal.exports.importer import ImportRefused, read_workbook
from portal.exports.render_xlsx import render_xlsx
from tests.exports.documents import FORMULAS, full_document


def edited(doc_language: str = "nb", **changes: object) -> bytes:
    """The export of the full document, with cells edited as a planner would in Excel."""
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(full_document(doc_language))))
    for where, value in changes.items():
        sheet, cell = where.split("__")
        book[sheet.replace("_", " ")][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_unedited_export_changes_nothing(app: Flask) -> None:
    result = preview(full_document(), read_workbook(render_xlsx(full_document())))
    assert result.ok, result.problems
    assert (result.created, result.changed) == ([], [])
    assert result.unchanged == 2 + 2 + 7 + 2 + 1  # goals, measurements, measures, benefits, risks


def test_the_round_trip_changes_exactly_the_edited_cells(app: Flask) -> None:
    data = edited(
        Tiltak__B2="Ny søknadsløsning for byggesak og plan",  # title
        Tiltak__F2=4,  # effect 5 → 4
        Tiltak__L3="Ferdig",  # status planned → done
        Mål__G2="90,5",  # a Norwegian decimal comma as text
        Risikoer__H3="Ny risiko uten ID",  # a new row (column H is past the layout: ignored)
        Risikoer__B3="Nøkkelperson slutter",
        Risikoer__C3=2,
        Risikoer__D3="4",
        Målinger__A4=101,
        Målinger__C4=datetime(2026, 12, 1),
        Målinger__D4=70,
    )
    result = preview(full_document(), read_workbook(data))
    assert result.ok, result.problems
    changed = {(c.sheet, c.id): c.fields for c in result.changed}
    assert changed == {
        ("measures", 201): {
            "Tiltak": ("Ny søknadsløsning for byggesak", "Ny søknadsløsning for byggesak og plan"),
            "Effekt (1–5)": ("5", "4"),
        },
        ("measures", 202): {"Status": ("planned", "done")},
        ("goals", 101): {"Målverdi": ("80,5", "90,5")},
    }
    assert [(c.sheet, c.title) for c in result.created] == [
        ("measurements", "Måling av «Økt selvbetjening på nett 🚀»: 70 (01.12.2026)"),
        ("risks", "Nøkkelperson slutter"),
    ]


def test_formula_looking_text_round_trips_as_text(app: Flask) -> None:
    parsed = read_workbook(render_xlsx(full_document()))
    titles = [row.values["title"] for row in parsed.rows["measures"]]
    assert titles[1:] == [text.strip() for text in FORMULAS]


def test_an_english_export_reads_back_too(app: Flask) -> None:
    result = preview(full_document(), read_workbook(edited("en", Measures__L2="Done")))
    assert result.ok, result.problems
    assert [(c.id, c.fields) for c in result.changed] == [
        (201, {"Status": ("in_progress", "done")})
    ]


def test_bad_rows_are_each_named_with_their_problem(app: Flask) -> None:
    data = edited(
        Tiltak__F2=7,
        Tiltak__J3="neste uke",
        Tiltak__M4="101, 9999",
        Tiltak__A5=123456,  # another workbook's (or organisation's) id
        Gevinster__C2="Billig",
    )
    result = preview(full_document(), read_workbook(data))
    assert not result.ok
    assert result.problems == [
        "Rad 2 i «Tiltak»: Effekt (1–5) må være et helt tall fra 1 til 5.",
        "Rad 3 i «Tiltak»: Start må være en dato (dd.mm.åååå).",
        "Rad 2 i «Gevinster»: Type må være Effektivisering, Kvalitet eller For andre.",
        "Rad 4 i «Tiltak»: mål med ID 9999 finnes ikke i arbeidsboken.",
        "Rad 5 i «Tiltak»: ID 123456 finnes ikke i denne arbeidsboken.",
    ]


def test_dates_written_as_text_are_read_when_unambiguous(app: Flask) -> None:
    result = preview(full_document(), read_workbook(edited(Tiltak__J2="1.2.2026")))
    assert [c.fields for c in result.changed] == [{"Start": ("15.01.2026", "01.02.2026")}]


def test_a_formula_refuses_the_whole_file(app: Flask) -> None:
    with pytest.raises(ImportRefused, match="Rad 3 i «Tiltak» har en formel"):
        read_workbook(edited(Tiltak__E3="=1+1"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a spreadsheet", "ikke en Excel-fil"),
        (b"", "ikke en Excel-fil"),
        (b"PK" + b"\0" * 100, "ikke en Excel-fil"),
        (b"x" * (importer.MAX_UPLOAD_BYTES + 1), "for stor"),
    ],
)
def test_what_is_not_an_xlsx_is_refused(app: Flask, data: bytes, message: str) -> None:
    with pytest.raises(ImportRefused, match=message):
        read_workbook(data)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app: Flask) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (importer.MAX_UNPACKED_BYTES + 1))
    assert len(out.getvalue()) < 200_000
    with pytest.raises(ImportRefused, match="pakker seg ut"):
        read_workbook(out.getvalue())


def test_a_zip_that_is_not_a_workbook_is_refused(app: Flask) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    with pytest.raises(ImportRefused, match="kunne ikke leses"):
        read_workbook(out.getvalue())


def test_a_sheet_with_other_columns_is_named(app: Flask) -> None:
    parsed = read_workbook(edited(Tiltak__B1="Navn"))
    assert "Arket «Tiltak» har ikke kolonnene fra eksporten." in parsed.problems


def test_text_cells_lose_tags_as_the_workspace_forms_do(app: Flask) -> None:
    parsed = read_workbook(edited(Tiltak__B2="<b>Ny</b> løsning <script>x</script>& mer"))
    assert parsed.rows["measures"][0].values["title"] == "Ny løsning & mer"


def test_an_id_on_two_rows_is_a_problem(app: Flask) -> None:
    result = preview(full_document(), read_workbook(edited(Tiltak__A3=201)))
    assert result.problems == ["Rad 3 i «Tiltak»: ID 201 står allerede på en rad over."]

"""The workbook as a Word file a board secretary can edit: real headings, styles and tables."""

from __future__ import annotations

import io
import re

from docx import Document as WordDocument
from docx.document import Document as WordFile
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.shared import Cm, Pt
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.exports import labels
from portal.exports.document import DocSection, Document
from portal.exports.tables import section_tables

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^(#{1,6})\s+")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


def _text(text: str | None) -> str:
    return labels.xml_safe(text)


def _prose(word: WordFile, markdown: str) -> None:
    """Markdown prose as Word paragraphs: headings, bullet lists and plain paragraphs."""
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            word.add_paragraph(_EMPHASIS.sub("", " ".join(paragraph)))
            paragraph.clear()

    for line in _text(markdown).splitlines():
        if not line.strip():
            flush()
        elif heading := _HEADING.match(line):
            flush()
            level = min(len(heading.group(1)) + 2, 9)
            word.add_heading(_EMPHASIS.sub("", line[heading.end() :].strip()), level=level)
        elif item := _LIST_ITEM.match(line):
            flush()
            word.add_paragraph(_EMPHASIS.sub("", line[item.end() :]), style="List Bullet")
        else:
            paragraph.append(line.strip())
    flush()


def _table(word: WordFile, header: list[str], rows: list[list[str]]) -> None:
    table = word.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = _text(text)
    word.add_paragraph()


def _section(word: WordFile, section: DocSection) -> None:
    word.add_heading(_text(section.title), level=1)
    if section.prose_markdown.strip():
        _prose(word, section.prose_markdown)
    for item in section.items:
        word.add_paragraph(_text(item), style="List Bullet")
    for box in section.boxes:
        word.add_heading(_text(box.title), level=2)
        for item in box.items:
            word.add_paragraph(_text(item), style="List Bullet")
    for table in section_tables(section):
        if table.caption:
            word.add_heading(_text(table.caption), level=2)
        _table(word, table.header, table.rows)
    if section.is_empty:
        word.add_paragraph(_("Ikke fylt ut ennå."), style="Intense Quote")


def render_docx(doc: Document) -> bytes:
    """The document as a .docx file (python-docx), landscape so the wide tables fit."""
    with force_locale(doc.language):
        word = WordDocument()
        page = word.sections[0]
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = Cm(29.7), Cm(21.0)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(page, side, Cm(2))
        word.styles["Normal"].font.name = "Calibri"
        word.styles["Normal"].font.size = Pt(10.5)
        word.core_properties.title = _text(doc.title)[:255]
        word.core_properties.author = _text(doc.org_name)[:255]
        word.core_properties.language = doc.language

        word.add_paragraph(_text(doc.org_name), style="Subtitle")
        word.add_heading(_text(doc.title), level=0)
        for label, value in (
            (_("Mal"), doc.template_name),
            (_("Planperiode"), doc.period),
            (_("Status"), labels.workbook_status(doc.status)),
            (_("Versjon"), doc.snapshot_name or _("Gjeldende utkast")),
            (_("Laget"), labels.moment(doc.generated_at)),
        ):
            if value:
                line = word.add_paragraph()
                line.add_run(f"{label}: ").bold = True
                line.add_run(_text(value))
        footer = page.footer.paragraphs[0]
        footer.text = _text(
            f"{doc.title} · {doc.snapshot_name or _('Gjeldende utkast')} · "
            f"{labels.day(doc.generated_at.date())}"
        )
        if not doc.sections:
            word.add_paragraph(_("Arbeidsboken har ingen deler ennå."))
        else:
            word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for section in doc.sections:
            _section(word, section)
        buffer = io.BytesIO()
        word.save(buffer)
    return buffer.getvalue()

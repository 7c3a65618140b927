"""The readable text of a downloaded file (PDF, Word, Excel, Markdown, a zip of them), so a leak
sweep can look for words inside files whose bytes are compressed."""

from __future__ import annotations

import io
import zipfile

from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

# Enough for any export of a test workbook; a bigger zip is read only in part.
MAX_MEMBERS = 200


def file_text(data: bytes, kind: str) -> str:
    """Text of `data`; `kind` is a format (pdf, docx, xlsx, md, zip) or a Content-Type."""
    kind = kind.split(";")[0].strip().lower()
    if kind in ("pdf", "application/pdf") or data.startswith(b"%PDF"):
        return pdf_text(data)
    if data.startswith(b"PK"):
        if kind.endswith(("docx", "wordprocessingml.document")):
            return docx_text(data)
        if kind.endswith(("xlsx", "spreadsheetml.sheet")):
            return xlsx_text(data)
        return zip_text(data)
    return data.decode("utf-8", errors="replace")


def pdf_text(data: bytes) -> str:
    # Words a line break splits are joined again by dropping the layout's whitespace too.
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return f"{' '.join(text.split())} {''.join(text.split())}"


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs + section.header.paragraphs]
    parts += [document.core_properties.title or "", document.core_properties.subject or ""]
    return "\n".join(parts)


def xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    finally:
        book.close()


def zip_text(data: bytes) -> str:
    """Every member's text: the XML and JSON as they are, files inside read by their kind."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist()[:MAX_MEMBERS]:
            member = archive.read(info)
            suffix = info.filename.rsplit(".", 1)[-1].lower()
            if suffix in ("pdf", "docx", "xlsx", "zip"):
                parts.append(file_text(member, suffix))
            else:
                parts.append(member.decode("utf-8", errors="replace"))
    return "\n".join(parts)

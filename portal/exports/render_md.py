"""The workbook as Markdown: headings, prose as written, and the structured parts as tables."""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.exports import labels
from portal.exports.document import DocSection, Document
from portal.exports.tables import section_tables

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def inline(text: str | None) -> str:
    """User text as one line of literal Markdown: no markup of its own, no broken table."""
    return _SPECIAL.sub(r"\\\1", " ".join(labels.xml_safe(text).split()))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(inline(h) for h in header) + " |"]
    lines.append("|" + "|".join(" --- " for _ in header) + "|")
    lines += ["| " + " | ".join(cell for cell in row) + " |" for row in rows]
    return lines + [""]


def _section(section: DocSection) -> list[str]:
    out = [f"## {inline(section.title)}", ""]
    if section.prose_markdown.strip():
        out += [labels.xml_safe(section.prose_markdown).strip(), ""]
    out += [f"- {inline(item)}" for item in section.items]
    if section.items:
        out.append("")
    for box in section.boxes:
        out += [f"### {inline(box.title)}", ""]
        out += [f"- {inline(item)}" for item in box.items] or [f"*{_('Ingen punkter')}*"]
        out.append("")
    for table in section_tables(section):
        if table.caption:
            out += [f"### {inline(table.caption)}", ""]
        out += _table(table.header, [[inline(cell) for cell in row] for row in table.rows])
    if section.is_empty:
        out += [f"*{_('Ikke fylt ut ennå.')}*", ""]
    return out


def render_markdown(doc: Document) -> bytes:
    """The document as UTF-8 Markdown (CommonMark with GitHub-style tables)."""
    with force_locale(doc.language):
        out = [f"# {inline(doc.title)}", ""]
        facts = [
            (_("Organisasjon"), doc.org_name),
            (_("Mal"), doc.template_name),
            (_("Planperiode"), doc.period),
            (_("Status"), labels.workbook_status(doc.status)),
            (_("Versjon"), doc.snapshot_name or _("Gjeldende utkast")),
            (_("Laget"), labels.moment(doc.generated_at)),
        ]
        out += [f"- **{label}:** {inline(value)}" for label, value in facts if value] + [""]
        if doc.sections:
            out += [f"## {_('Innhold')}", ""]
            out += [f"{n}. {inline(s.title)}" for n, s in enumerate(doc.sections, 1)] + [""]
        else:
            out += [f"*{_('Arbeidsboken har ingen deler ennå.')}*", ""]
        for section in doc.sections:
            out += _section(section)
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")

"""The workbook as a board-ready PDF: WeasyPrint from an HTML template and a print stylesheet."""

from __future__ import annotations

import functools
import glob
import shutil
import subprocess

import nh3
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools.ttLib import TTFont
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from portal.exports import labels
from portal.exports.document import Document
from portal.exports.tables import section_tables

# Prose arrives sanitised from the workspace; this allow-list is the second wall, and it keeps
# out what a print layout cannot use (images, forms, scripts).
PROSE_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


def prose(fragment: str) -> Markup:
    return Markup(nh3.clean(labels.xml_safe(fragment), tags=PROSE_TAGS))  # noqa: S704 - sanitised


@functools.cache
def drawable() -> frozenset[int]:
    """Every code point some installed font can draw (read once per process)."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        listing = subprocess.run(  # noqa: S603 - a fixed command
            [fc_list, "--format", "%{file}\n"], capture_output=True, text=True, timeout=30
        )
        files = listing.stdout.split("\n")
    else:
        files = glob.glob("/usr/share/fonts/**/*.[ot]t[fc]", recursive=True)
    points: set[int] = set()
    for path in filter(None, files):
        try:
            with TTFont(path, lazy=True, fontNumber=0) as font:
                points.update(font.getBestCmap() or {})
        except Exception:  # noqa: BLE001, S112 - a font file we cannot read draws nothing
            continue
    return frozenset(points)


def printable(html: str) -> str:
    """The HTML with every character no installed font can draw replaced by U+FFFD.

    A glyph missing from every font (an emoji, CJK without a CJK font) makes WeasyPrint write a
    text layer PDF readers cannot extract; the replacement character keeps the PDF searchable.
    """
    fonts = drawable()
    if not fonts:
        return html
    return "".join(
        ch if ord(ch) < 0x250 or ord(ch) in fonts or ch in "\n\r\t" else "\ufffd" for ch in html
    )


def _no_network() -> URLFetcher:
    # Nothing in an export may make the worker fetch a URL (no SSRF through a prose link or an
    # SVG's href): inline data: URIs only.
    return URLFetcher(allowed_protocols={"data"}, timeout=1, allow_redirects=False)


def render_html(doc: Document) -> str:
    """The HTML the PDF is made from (also handy to look at in a browser)."""
    css = current_app.jinja_env.loader.get_source(current_app.jinja_env, "exports/print.css")[0]  # type: ignore[union-attr]
    with force_locale(doc.language):
        return render_template(
            "exports/document.html",
            doc=doc,
            css=Markup(css),  # noqa: S704 - our own file
            labels=labels,
            tables=section_tables,
            prose=prose,
            version=doc.snapshot_name or _("Gjeldende utkast"),
        )


def render_pdf(doc: Document) -> bytes:
    """The document as a PDF (WeasyPrint)."""
    html = printable(render_html(doc))
    return HTML(string=html, url_fetcher=_no_network()).write_pdf()

"""Markdown to safe HTML (markdown-it-py + nh3), the paywall split, headings and reading time."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

PAYWALL_MARKER = "<!-- paywall -->"
GATED_CLASS = "paywalled-section"
WORDS_PER_MINUTE = 200

_MARKER_LINE = re.compile(r"^[ \t]*<!--\s*paywall\s*-->[ \t]*$", re.MULTILINE | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_EXTERNAL_LINK = re.compile(r'<a href="(https?://[^"]*)"')
_SLUG_CHARS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u", "ö": "o"})

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "h3": {"id"}, "ol": {"start"}}

# html=False: raw HTML in the body is shown as text, never passed through.
_md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def slugify(value: str) -> str:
    """URL slug: lower case, æøå folded (markedsføring → markedsforing), dashes between words."""
    value = value.lower().translate(_SLUG_CHARS)
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")


@dataclass
class Rendered:
    """Everything stored at save time."""

    teaser_html: str
    teaser_text: str
    teaser_toc: list[dict[str, str]]
    body_html: str
    body_text: str
    body_toc: list[dict[str, str]]
    reading_minutes: int
    has_marker: bool
    extra: dict[str, Any] = field(default_factory=dict)
    # The gated part alone, for the editor's preview (it shows the paywall between the two).
    gated_html: str = ""


def split_body(body_md: str, teaser_max_chars: int) -> tuple[str, str, bool]:
    """The public part and the gated part of a Markdown body.

    The editor's marker line wins; without one the public part is the first paragraphs up to
    teaser_max_chars. A first block longer than that (one long paragraph, a list, a body
    without blank lines) is cut at a line or word break, so it never opens the whole text.
    """
    body_md = body_md.replace("\r\n", "\n").replace("\x00", "")
    match = _MARKER_LINE.search(body_md)
    if match:
        return body_md[: match.start()].strip(), body_md[match.end() :].strip(), True
    blocks = [b for b in re.split(r"\n[ \t]*\n", body_md.strip()) if b.strip()]
    if blocks and len(blocks[0]) > teaser_max_chars:
        head, rest = _cut(blocks[0], teaser_max_chars)
        return head, "\n\n".join([rest, *blocks[1:]]).strip(), False
    teaser: list[str] = []
    length = 0
    for block in blocks:
        if length + len(block) > teaser_max_chars:
            break
        teaser.append(block)
        length += len(block)
    return "\n\n".join(teaser), "\n\n".join(blocks[len(teaser) :]), False


def _cut(block: str, limit: int) -> tuple[str, str]:
    """The block's first `limit` characters or fewer, ending at a line break, else a space."""
    head = block[: limit + 1]
    for separator in ("\n", " "):
        position = head.rfind(separator)
        if position > 0:
            return block[:position].rstrip(), block[position:].strip()
    return block[:limit], block[limit:]


def _render(markdown: str, used_ids: set[str]) -> tuple[str, list[dict[str, str]]]:
    env: dict[str, Any] = {}
    tokens = _md.parse(markdown, env)
    toc: list[dict[str, str]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            text = tokens[index + 1].content
            base = slugify(text) or "del"
            anchor, n = base, 2
            while anchor in used_ids:
                anchor, n = f"{base}-{n}", n + 1
            used_ids.add(anchor)
            token.attrSet("id", anchor)
            if token.tag == "h2":
                toc.append({"id": anchor, "title": text})
    return sanitise(_md.renderer.render(tokens, _md.options, env)), toc


def sanitise(fragment: str) -> str:
    """nh3 allow-list: http, https and mailto links only; external links get rel=noopener."""
    clean = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )
    return _EXTERNAL_LINK.sub(r'<a rel="noopener nofollow" href="\1"', clean)


_TABLE_OPEN = re.compile(r"<table>")


def scrolling_tables(fragment: str, label: str) -> str:
    """Wrap each table of sanitised article HTML in a focusable region that scrolls sideways
    on its own, so a wide table never widens the page and keyboard users can scroll it."""
    region = f'role="region" tabindex="0" aria-label="{html.escape(label)}"'
    opening = f'<div class="vv-table-scroll" {region}><table>'
    return _TABLE_OPEN.sub(opening, fragment).replace("</table>", "</table></div>")


def plain_text(fragment: str) -> str:
    """Text of sanitised HTML, for search and reading time."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment))).strip()


def strip_text(value: str) -> str:
    """A single-line plain-text field (title, lede, bio): no tags, no control characters."""
    value = nh3.clean(value or "", tags=set())
    value = html.unescape(value)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value).strip()


def render_article(body_md: str, teaser_max_chars: int) -> Rendered:
    """Render both parts once; the full HTML wraps the gated part for schema.org's cssSelector."""
    public_md, gated_md, has_marker = split_body(body_md, teaser_max_chars)
    used: set[str] = set()
    teaser_html, teaser_toc = _render(public_md, used)
    gated_html, gated_toc = _render(gated_md, used) if gated_md else ("", [])
    body_html = teaser_html
    if gated_html:
        body_html += f'\n<div class="{GATED_CLASS}">\n{gated_html}</div>\n'
    teaser_text = plain_text(teaser_html)
    body_text = plain_text(body_html)
    words = len(body_text.split())
    return Rendered(
        teaser_html=teaser_html,
        teaser_text=teaser_text,
        teaser_toc=teaser_toc,
        body_html=body_html,
        body_text=body_text,
        body_toc=teaser_toc + gated_toc,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        has_marker=has_marker,
        gated_html=gated_html,
    )


def is_external(url: str, base_url: str) -> bool:
    return urlsplit(url).netloc not in ("", urlsplit(base_url).netloc)

"""Markdown in the workspace (a section's prose, a template's guidance) as sanitised HTML."""

from __future__ import annotations

from markdown_it import MarkdownIt

from portal.content.rendering import sanitise

# The same Markdown rules as articles: raw HTML is text, the output goes through nh3.
_md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def render_prose(markdown: str) -> str:
    return sanitise(_md.render(markdown))

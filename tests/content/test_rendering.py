"""Markdown rendering and sanitising; the paywall split; the editor's preview equals the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.content import editorial
from portal.content.models import Article
from portal.content.rendering import render_article, sanitise, slugify, split_body
from portal.extensions import db

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klikk</a>',
    "[klikk](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"><circle/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<object data=x></object><embed src=x>",
    '<a href="vbscript:msgbox(1)">v</a>',
    "![bilde](javascript:alert(1))",
    '<form action="https://evil.example"><input name=x></form>',
]

ALLOWED_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code",
                "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr",
                "th", "td", "del", "div"}  # fmt: skip


class ElementAudit(HTMLParser):
    """Collects what a browser would actually build: elements, attributes and link targets."""

    def __init__(self, tags: bool) -> None:
        super().__init__()
        self.tags = tags
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS and (self.tags or tag in ("script", "iframe", "svg", "img")):
            self.problems.append(f"element {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "src", "srcdoc"):
                self.problems.append(f"attribute {name}")
            if name == "href" and not re.match(r"^(https?:|mailto:|/|#)", value or ""):
                self.problems.append(f"href {value}")


def audit(html: str, tags: bool = True) -> list[str]:
    parser = ElementAudit(tags)
    parser.feed(html)
    return parser.problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_body_payloads_are_neutralised(payload: str) -> None:
    rendered = render_article(f"Tekst.\n\n{payload}\n\n<!-- paywall -->\n\n{payload}\n", 600)
    for html in (rendered.teaser_html, rendered.body_html):
        assert audit(html) == [], html
    assert audit(sanitise(payload)) == []  # also when raw HTML reaches the sanitiser


@pytest.mark.parametrize("payload", PAYLOADS)
def test_title_lede_and_bio_payloads_are_escaped_on_the_page(
    client: FlaskClient, make_article: Callable[..., Article], payload: str
) -> None:
    author = editorial.upsert_author("farlig", "Farlig " + payload, "Bio " + payload)
    article = make_article(title="Tittel " + payload, lede="Ingress " + payload)
    article.author = author
    db.session.flush()
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    problems = [p for p in audit("<main " + main, tags=False) if not p.startswith("href /")]
    assert problems == []
    assert "Farlig" in main and "Tittel" in main


def test_links_keep_safe_schemes_and_external_links_get_rel() -> None:
    html = sanitise(
        '<a href="https://example.org">a</a><a href="/articles/x">b</a>'
        '<a href="mailto:hei@example.org">c</a><a href="ftp://x">d</a>'
    )
    assert '<a rel="noopener nofollow" href="https://example.org">a</a>' in html
    assert '<a href="/articles/x">b</a>' in html
    assert 'href="mailto:hei@example.org"' in html
    assert "ftp://" not in html


def test_marker_splits_teaser_and_full() -> None:
    rendered = render_article("Åpen.\n\n<!-- paywall -->\n\nLukket.\n", 600)
    assert "Åpen" in rendered.teaser_html and "Lukket" not in rendered.teaser_html
    assert '<div class="paywalled-section">' in rendered.body_html
    assert "Lukket" in rendered.body_text and "Lukket" not in rendered.teaser_text


def test_without_marker_the_teaser_stops_at_the_configured_length() -> None:
    body = "\n\n".join(f"Avsnitt {n} " + "ord " * 40 for n in range(10))
    public, gated, marker = split_body(body, 600)
    assert not marker and 0 < len(public) <= 600 and "Avsnitt 9" in gated
    rendered = render_article(body, 600)
    assert "Avsnitt 0" in rendered.teaser_html and "Avsnitt 9" not in rendered.teaser_html


@pytest.mark.parametrize(
    "body",
    [
        "Ett langt avsnitt " + "med mange ord " * 150 + "og Zyxhemmelig til slutt.",
        "\n".join(f"- Punkt {n} om strategien vår" for n in range(60)) + "\n- Zyxhemmelig",
        "Linje\n" * 200 + "Zyxhemmelig",
    ],
)
def test_without_marker_one_long_first_block_never_opens_the_whole_text(body: str) -> None:
    public, gated, marker = split_body(body, 600)
    assert not marker and 0 < len(public) <= 600
    assert "Zyxhemmelig" not in public and "Zyxhemmelig" in gated
    rendered = render_article(body, 600)
    assert "Zyxhemmelig" not in rendered.teaser_html + rendered.teaser_text
    assert "Zyxhemmelig" in rendered.body_text


def test_headings_get_anchors_and_reading_time_counts_words() -> None:
    rendered = render_article("## Første del\n\n" + "ord " * 450 + "\n\n## Første del\n", 600)
    assert [h["id"] for h in rendered.body_toc] == ["forste-del", "forste-del-2"]
    assert rendered.reading_minutes == 3


def test_slugify_folds_norwegian_letters() -> None:
    assert slugify("Markedsføring på små øyer – ÆØÅ") == "markedsforing-pa-sma-oyer-aeoa"


def test_editor_preview_equals_published_rendering(
    app: Flask,
    client: FlaskClient,
    make_article: Callable[..., Article],
    login: Callable,
    create_user: Callable,
) -> None:
    body = "Intro.\n\n## Del\n\nMer *tekst* med [lenke](https://example.org).\n"
    article = make_article(body=body)
    editor = create_user(staff_role="editor")
    login(client, editor)
    preview = client.get(f"/staff/articles/{article.id}/preview?as=anonymous").get_data(
        as_text=True
    )
    public = app.test_client().get(f"/articles/{article.slug}").get_data(as_text=True)

    def prose(page: str) -> str:
        return page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]

    assert prose(preview) == prose(public)
    assert "<em>tekst</em>" in prose(public)


def test_article_tables_scroll_in_their_own_focusable_region(
    client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    body = "Intro.\n\n| Tiltak | Ansvar | Frist |\n|---|---|---|\n| Kartlegge | IT | Mars |\n"
    article = make_article(body=body)
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert (
        '<div class="vv-table-scroll" role="region" tabindex="0" aria-label="Tabell"><table>'
        in page
    )
    assert "</table></div>" in page

"""Revisions compared as people read them: a word diff of the rendered text, and the title,
lede and metadata that changed listed as before → after."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.content import editorial, labels
from portal.content.models import Article, ArticleRevision, Author, Category
from portal.content.rendering import plain_text, render_article
from portal.extensions import db

# Block elements whose text makes one paragraph of the comparison.
_BLOCK = re.compile(r"<(h[1-6]|p|li|blockquote|pre|td|th|dt|dd)\b[^>]*>(.*?)</\1>", re.S)
_BREAK = "\x00¶"
META_LABELS = {
    "slug": _l("Adresse"),
    "category": _l("Kategori"),
    "access": _l("Tilgang"),
    "author": _l("Forfatter"),
    "tags": _l("Emner"),
    "featured": _l("Utvalgt på forsiden"),
    "related": _l("Les mer"),
}


@dataclass(frozen=True)
class Segment:
    """A run of words that is the same, removed ("del") or added ("ins")."""

    kind: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class Comparison:
    changes: list[FieldChange] = field(default_factory=list)
    paragraphs: list[list[Segment]] = field(default_factory=list)
    added: int = 0
    removed: int = 0

    @property
    def body_changed(self) -> bool:
        return bool(self.added or self.removed)


def _blocks(html: str) -> list[str]:
    found = [plain_text(m.group(2)) for m in _BLOCK.finditer(html)]
    return [text for text in found if text] or ([plain_text(html)] if plain_text(html) else [])


def _tokens(html: str) -> list[str]:
    tokens: list[str] = []
    for block in _blocks(html):
        if tokens:
            tokens.append(_BREAK)
        tokens.extend(block.split())
    return tokens


def word_diff(before_html: str, after_html: str) -> tuple[list[list[Segment]], int, int]:
    """Paragraphs of segments, and how many words were added and removed."""
    old, new = _tokens(before_html), _tokens(after_html)
    marked: list[tuple[str, str]] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            marked.extend(("same", t) for t in old[i1:i2])
            continue
        if op in ("delete", "replace"):
            marked.extend(("del", t) for t in old[i1:i2])
            removed += sum(1 for t in old[i1:i2] if t != _BREAK)
        if op in ("insert", "replace"):
            marked.extend(("ins", t) for t in new[j1:j2])
            added += sum(1 for t in new[j1:j2] if t != _BREAK)
    paragraphs: list[list[Segment]] = [[]]
    for kind, token in marked:
        if token == _BREAK:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        current = paragraphs[-1]
        if current and current[-1].kind == kind:
            current[-1] = Segment(kind, current[-1].text + " " + token)
        else:
            current.append(Segment(kind, token))
    return [p for p in paragraphs if p], added, removed


def _names(model: type[Category] | type[Author]) -> dict[str, str]:
    rows = db.session.scalars(select(model))
    if model is Category:
        return {c.slug: labels.category_name(c) for c in rows}
    return {a.slug: a.name for a in rows}


def _meta_value(key: str, value: Any, names: dict[str, dict[str, str]]) -> str:
    if value in (None, "", []):
        return "–"
    if key == "access":
        return labels.access_label(value)
    if key in ("category", "author"):
        return names[key].get(value, value)
    if key == "featured":
        return _("Ja") if value else _("Nei")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def compare(revision: ArticleRevision, article: Article) -> Comparison:
    """What changed from an earlier revision to the article as it is now."""
    result = Comparison()
    if revision.title != article.title:
        result.changes.append(FieldChange(_("Tittel"), revision.title, article.title))
    if revision.lede != article.lede:
        result.changes.append(FieldChange(_("Ingress"), revision.lede or "–", article.lede or "–"))
    if revision.meta is not None:
        now = editorial.metadata_of(editorial.input_from(article))
        names = {"category": _names(Category), "author": _names(Author)}
        for key, label in META_LABELS.items():
            old, new = revision.meta.get(key), now.get(key)
            if old != new:
                result.changes.append(
                    FieldChange(
                        str(label), _meta_value(key, old, names), _meta_value(key, new, names)
                    )
                )
    before = render_article(revision.body_md, current_app.config["TEASER_MAX_CHARS"]).body_html
    result.paragraphs, result.added, result.removed = word_diff(before, article.body_html)
    return result


def history(article: Article) -> list[tuple[ArticleRevision, str]]:
    """The article's revisions, newest first, each with the name of who saved over it."""
    rows = db.session.execute(
        select(ArticleRevision, User.name)
        .outerjoin(User, User.id == ArticleRevision.created_by_id)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.id.desc())
    ).all()
    return [(revision, name or "") for revision, name in rows]

"""Full-text search: PostgreSQL `norwegian` tsvectors with GIN indexes, or SQLite FTS5.

A reader is matched, ranked and shown snippets only from text they may read: the whole
article where `can_read` allows it, otherwise its public teaser (a separate vector / column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_decimal
from markupsafe import Markup, escape
from sqlalchemy import (
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from portal.content.models import ACCESS_CHOICES, Article, Category
from portal.content.search_snippets import START, STOP, const, snippets
from portal.content.service import visible
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

MAX_QUERY_CHARS = 200

# PostgreSQL only (migration 0002): stored generated tsvector columns with GIN indexes,
# title weighted A, lede B, text C; one over the whole article, one over the public teaser.
_QUERY_FULL = "articles.search_full"
_QUERY_TEASER = "articles.search_teaser"
# Migration 0011: title (A) and lede (B) only, small enough to rank every match on.
_QUERY_HEAD = "articles.search_head"
# Matches counted at most; more show as "1 000+".
COUNT_CAP = 1000


@dataclass(frozen=True)
class HitArticle:
    """What a hit shows of its article (plain values, so a page of hits can be kept)."""

    slug: str
    title: str
    lede: str
    access: str


class Count(int):
    """A number of hits; past COUNT_CAP it reads "1 000+" (the exact number is not counted)."""

    def __str__(self) -> str:
        if self > COUNT_CAP:
            return format_decimal(COUNT_CAP) + "+"
        return format_decimal(int(self))


@dataclass
class SearchHit:
    article: HitArticle
    snippet: Markup


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def clean_query(raw: str | None) -> str:
    """Any string in: NULs and control characters out, whitespace collapsed, length capped."""
    value = re.sub(r"[\x00-\x1f\x7f]", " ", raw or "")
    return re.sub(r"\s+", " ", value).strip()[:MAX_QUERY_CHARS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def index_article(article: Article) -> None:
    """Keep the SQLite FTS5 table in step with an article (PostgreSQL indexes itself)."""
    if _dialect() != "sqlite":
        return
    db.session.execute(text("DELETE FROM article_fts WHERE rowid = :id"), {"id": article.id})
    db.session.execute(
        text(
            "INSERT INTO article_fts (rowid, title, lede, teaser, body) "
            "VALUES (:id, :title, :lede, :teaser, :body)"
        ),
        {
            "id": article.id,
            "title": article.title,
            "lede": article.lede,
            "teaser": article.teaser_text,
            "body": article.body_text,
        },
    )


def _highlight(fragment: str) -> Markup:
    escaped = str(escape(fragment))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704


def search(
    query: str,
    readable: list[str],
    *,
    category: str | None = None,
    access: str | None = None,
    page: int = 1,
    per_page: int = 10,
    now: datetime | None = None,
) -> SearchPage:
    """Ranked, paginated hits for `query` among visible articles (published, or scheduled and
    due at `now`); `readable` lists the access levels whose full text this reader may search
    (from can_read)."""
    query = clean_query(query)
    if not query:
        return SearchPage([], 0, page, per_page)
    now = now or utcnow()
    if _dialect() == "postgresql":
        return _search_postgresql(query, readable, category, access, now, page, per_page)
    filters: list[ColumnElement[bool]] = [visible(now)]
    if category:
        filters.append(Article.category.has(Category.slug == category))
    if access:
        filters.append(Article.access == access)
    return _search_sqlite(query, readable, filters, page, per_page)


@dataclass(frozen=True)
class _Statements:
    page: Any  # a page of hits with their snippets and the (capped) count
    count: Any  # the count alone, for a page past the last


# One pair per (levels read in full, filters used): built once, run with bound parameters, so
# a search costs its statement rather than building it (the building took most of the
# Python time).
_statements: dict[tuple[tuple[str, ...], bool, bool], _Statements] = {}


def _capped_count(rows: Any) -> Any:
    """How many rows `rows` has, counted up to one past COUNT_CAP."""
    return (
        select(func.count())
        .select_from(select(rows.c.id).limit(COUNT_CAP + 1).subquery())
        .scalar_subquery()
    )


def _postgresql_statements(levels: tuple[str, ...], category: bool, access: bool) -> _Statements:
    """One indexed branch per kind of access: the levels the reader may read matched on the
    full vector, the others on the teaser's (each a GIN look-up, no OR between them); ranked on
    the small title + lede vector; counted up to a cap."""
    key = (levels, category, access)
    found = _statements.get(key)
    if found is not None:
        return found
    # The query as a scalar subquery: PostgreSQL plans the statement without knowing which
    # word it is, as for a rare one, with GIN bitmap scans (which read no long vector, the
    # index answers the match). Knowing a common word, it chose row-by-row scans that decompress
    # each matching article's vector to count them, two to three times slower.
    tsquery = select(
        func.websearch_to_tsquery(
            literal_column("'norwegian'::regconfig"), bindparam("q", type_=String)
        )
    ).scalar_subquery()
    filters: list[ColumnElement[bool]] = [visible(bindparam("now", type_=UTCDateTime()))]
    if category:
        filters.append(Article.category.has(Category.slug == bindparam("category")))
    if access:
        filters.append(Article.access == bindparam("access"))
    others = tuple(level for level in ACCESS_CHOICES if level not in levels)
    head_vector = literal_column(_QUERY_HEAD)
    branches = [
        select(Article.id, Article.published_at, head_vector.label("head")).where(
            Article.access.in_(chosen), literal_column(vector).op("@@")(tsquery), *filters
        )
        for chosen, vector in ((levels, _QUERY_FULL), (others, _QUERY_TEASER))
        if chosen
    ]
    # CTEs: each is read only where it is needed, and then once.
    matches = union_all(*branches).cte("matches")
    # The articles whose title or lede match (GIN index on the small vector, migration 0014).
    # They match for every reader (title and lede are in both long vectors) and rank above every
    # other match (ranked on title and lede, the others score zero), so when there are enough of
    # them to fill the page they are the page, and no long vector is read for it.
    head = (
        select(Article.id, Article.published_at, func.ts_rank(head_vector, tsquery).label("rank"))
        .where(head_vector.op("@@")(tsquery), *filters)
        .cte("head")
    )
    head_total = _capped_count(head)
    limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
    # A negated word may be in an article's body and not in its title: then its title matches
    # and the article does not; such queries take the long way.
    plain = func.strpos(cast(tsquery, Text), const("!")) == const(0)
    enough = and_(plain, head_total >= limit + offset).self_group()
    total = case(
        (and_(plain, head_total > const(COUNT_CAP)), head_total),
        else_=_capped_count(matches),
    )
    page_of_head = (
        select(head.c.id, head.c.rank, head.c.published_at)
        .where(enough)
        .order_by(head.c.rank.desc(), head.c.published_at.desc(), head.c.id)
        .limit(limit)
        .offset(offset)
        .subquery("page_of_head")
    )
    rank = func.ts_rank(matches.c.head, tsquery)
    page_of_all = (
        select(matches.c.id, rank.label("rank"), matches.c.published_at)
        .where(~enough)
        .order_by(rank.desc(), matches.c.published_at.desc(), matches.c.id)
        .limit(limit)
        .offset(offset)
        .subquery("page_of_all")
    )
    pages = union_all(select(page_of_head), select(page_of_all)).subquery("pages")
    ranked = select(pages, total.label("total")).subquery("ranked")
    source = literal_column(
        f"CASE WHEN {_in_sql(list(levels))} THEN articles.body_text ELSE articles.teaser_text END"
    )
    # The snippets are made for one page of hits only.
    found = _Statements(snippets(ranked, source, tsquery), select(total))
    _statements[key] = found
    return found


def _search_postgresql(
    query: str,
    readable: list[str],
    category: str | None,
    access: str | None,
    now: datetime,
    page: int,
    per_page: int,
) -> SearchPage:
    levels = tuple(level for level in ACCESS_CHOICES if level in readable)
    statements = _postgresql_statements(levels, bool(category), bool(access))
    values: dict[str, Any] = {"q": query, "now": now}
    if category:
        values["category"] = category
    if access:
        values["access"] = access
    rows = db.session.execute(
        statements.page, {**values, "limit": per_page, "offset": (page - 1) * per_page}
    ).all()
    # Past the last page the count is asked on its own.
    count = rows[0][5] if rows else (db.session.scalar(statements.count, values) or 0)
    hits = [
        SearchHit(HitArticle(slug, title, lede, access), _highlight(snippet or ""))
        for slug, title, lede, access, snippet, _ in rows
    ]
    return SearchPage(hits, Count(count), page, per_page)


def _in_sql(readable: list[str]) -> str:
    # Access levels are our own constants, never user input; still, allow only known words.
    levels = [level for level in readable if level in ("public", "members", "paid")]
    if not levels:
        return "false"
    return "articles.access IN (" + ", ".join(f"'{level}'" for level in levels) + ")"


def _fts_query(query: str, columns: str) -> str:
    words = re.findall(r"\w+", query)[:20]
    terms = " ".join('"' + w.replace('"', "") + '"*' for w in words)
    return f"{{{columns}}} : ({terms})" if terms else ""


def _search_sqlite(
    query: str, readable: list[str], filters: list[Any], page: int, per_page: int
) -> SearchPage:
    full_q, teaser_q = _fts_query(query, "title lede body"), _fts_query(query, "title lede teaser")
    if not full_q:
        return SearchPage([], 0, page, per_page)
    sql = text(
        "SELECT f.rowid AS id, bm25(article_fts, 10.0, 5.0, 1.0, 1.0) AS rank, 1 AS full "
        "FROM article_fts f JOIN articles a ON a.id = f.rowid "
        "WHERE article_fts MATCH :full_q AND a.access IN :readable "
        "UNION ALL "
        "SELECT f.rowid, bm25(article_fts, 10.0, 5.0, 1.0, 1.0), 0 "
        "FROM article_fts f JOIN articles a ON a.id = f.rowid "
        "WHERE article_fts MATCH :teaser_q AND a.access NOT IN :readable"
    ).bindparams(bindparam("readable", expanding=True))
    ranks = {
        row.id: (row.rank, row.full)
        for row in db.session.execute(
            sql, {"full_q": full_q, "teaser_q": teaser_q, "readable": readable or ["-"]}
        )
    }
    if not ranks:
        return SearchPage([], 0, page, per_page)
    articles = list(db.session.scalars(select(Article).where(Article.id.in_(ranks), *filters)))
    articles.sort(key=lambda a: (ranks[a.id][0], -a.published_at.timestamp()))
    window = articles[(page - 1) * per_page : page * per_page]
    words = [w.lower() for w in re.findall(r"\w+", query)[:20]]
    hits = []
    for article in window:
        source = article.body_text if ranks[article.id][1] else article.teaser_text
        shown = HitArticle(article.slug, article.title, article.lede, article.access)
        hits.append(SearchHit(shown, _highlight(_snippet(source, words))))
    return SearchPage(hits, Count(len(articles)), page, per_page)


def _snippet(source: str, words: list[str], radius: int = 120) -> str:
    lowered = source.lower()
    positions = [p for p in (lowered.find(w) for w in words) if p >= 0]
    start = max(0, min(positions) - radius) if positions else 0
    piece = source[start : start + 2 * radius]
    for word in sorted(set(words), key=len, reverse=True):
        piece = re.sub(r"(?i)\b(" + re.escape(word) + r"\w*)", START + r"\1" + STOP, piece, count=3)
    return ("…" if start else "") + piece + ("…" if start + 2 * radius < len(source) else "")

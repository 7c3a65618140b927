"""The snippets of a page of search hits, made in the search statement itself (PostgreSQL):
`ts_headline` over a window of a long text around the first place the query's word may occur,
over its opening where it does not occur, over the whole text for a query of several words."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    Subquery,
    Text,
    and_,
    case,
    cast,
    distinct,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from portal.content.models import Article

START, STOP = "\u27e6", "\u27e7"  # ⟦ ⟧: markers turned into <mark> after escaping

# Fragments of at most 35 words around the query's words, two at most.
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15, MaxFragments=2"
# A long text's snippet is made from this many characters of it, from a little before the
# first place the query's word may occur: parsing ten whole bodies (some 5,000 characters each)
# was most of a rare word's search. Before the match: more than a fragment reaches back
# (about 17 words); after it: room for a second fragment nearby.
WINDOW_BEFORE = 300
WINDOW_CHARS = 1200
# Where no query word occurs in a long text (it matched on its title or lede), the snippet is
# its first 15 words, which this many characters hold.
OPENING_CHARS = 500


def const(value: str | int) -> ColumnElement[Any]:
    """A constant of ours written into the statement (built once), not sent with every search."""
    if isinstance(value, int):
        return literal_column(str(value), Integer)
    return literal_column("'" + value.replace("'", "''") + "'", Text)


def _term_pattern(tsquery: ColumnElement[Any]) -> ColumnElement[str]:
    """A regular expression that finds, case-insensitively, every place where the query's word
    may occur: its lexeme at the start of a word (PostgreSQL's Norwegian stems, and `simple`'s
    lower-cased tokens, begin the words they are made from, so a matching word starts with it;
    not every word that does matches: "mål" begins "målbilde"). NULL for a query of several
    lexemes, whose snippets stay made from the whole text: its best fragments are where its
    words occur together, which a window around the first of them would miss."""
    # The lexemes as tsquery's text quotes them: 'strateg' & !'ikt' ('' and \\ escaped).
    quoted = func.regexp_matches(
        cast(tsquery, Text), const(r"'((?:[^']|'')*)'"), const("g"), type_=ARRAY(Text)
    ).column_valued("m")
    lexeme = func.replace(
        func.replace(quoted[const(1)], const("\\\\"), const("\\")),
        const("''"),
        const("'"),
    )
    word_start = case((lexeme.regexp_match(const(r"^\w")), const(r"\m")), else_=const(""))
    escaped = func.regexp_replace(lexeme, const(r"(\W)"), const(r"\\\1"), const("g"))
    alone = func.count(distinct(lexeme)) == const(1)
    return select(case((alone, func.min(word_start + escaped)))).scalar_subquery()


def _fenced(statement: Select[Any], name: str) -> Subquery:
    # OFFSET 0 keeps PostgreSQL from merging the subquery into the one above, which would
    # repeat its expressions (a regular expression scan or a headline) wherever they are used.
    return statement.offset(const(0)).subquery(name)


def snippets(ranked: Subquery, source: ColumnElement[str], tsquery: ColumnElement[Any]) -> Any:
    """The page of hits with a highlighted snippet of `source` (the text the reader may read)
    each. For a one-word query a long text is headlined over a window around the first place
    the word may occur, or over its opening where it does not; when the window shows no
    highlighted word (the place was a longer word) the whole text is headlined, as it was
    before. A query of several words is headlined over whole texts."""
    config, options = literal_column("'norwegian'::regconfig"), const(HEADLINE_OPTIONS)
    # 0: no place in the text (or a short text, headlined whole); NULL: a query of several
    # lexemes, headlined over the whole text.
    first = func.regexp_instr(
        source,
        _term_pattern(tsquery),
        const(1),
        const(1),
        const(0),
        const("i"),
    )
    found = case((func.octet_length(source) > const(WINDOW_CHARS), first), else_=const(0))
    hits = _fenced(
        select(
            Article.slug,
            Article.title,
            Article.lede,
            Article.access,
            ranked.c.rank,
            ranked.c.published_at,
            ranked.c.id,
            ranked.c.total,
            source.label("text"),
            found.label("at"),
        ).join(ranked, ranked.c.id == Article.id),
        "hits",
    )
    # Framed in spaces, so that a window cut inside a word drops that word's piece at either
    # end while one that reaches an end of the text keeps its first or last word. (Two
    # anchored expressions: one unanchored pattern for both ends is tried at every position.)
    framed = const(" ") + hits.c.text + const(" ")
    start = func.greatest(hits.c.at - const(WINDOW_BEFORE), const(1))
    length = case((hits.c.at > const(0), const(WINDOW_CHARS)), else_=const(OPENING_CHARS))
    piece = func.substr(framed, start, length)
    up_to_last_space = func.coalesce(func.substring(piece, const(r"^.*\s")), piece)
    window = func.regexp_replace(up_to_last_space, const(r"^\S*\s*"), const(""))
    windowed = and_(func.octet_length(hits.c.text) > const(WINDOW_CHARS), hits.c.at.is_not(None))
    headline = func.ts_headline(
        config, case((windowed, window), else_=hits.c.text), tsquery, options
    )
    shown = _fenced(select(hits, headline.label("headline")), "shown")
    whole = func.ts_headline(config, shown.c.text, tsquery, options)
    missed = and_(
        shown.c.at > const(0),
        func.strpos(shown.c.headline, const(START)) == const(0),
    )
    return select(
        shown.c.slug,
        shown.c.title,
        shown.c.lede,
        shown.c.access,
        case((missed, whole), else_=shown.c.headline),
        shown.c.total,
    ).order_by(shown.c.rank.desc(), shown.c.published_at.desc(), shown.c.id)

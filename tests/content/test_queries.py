"""An article page costs at most four SQL queries, whatever its number of tags and links."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.content.models import Article
from tests.content.conftest import Readers


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        # Savepoints belong to the test harness; set_config to the tenancy layer (orgs, RLS).
        skip = ("SAVEPOINT", "RELEASE", "ROLLBACK", "SELECT SET_CONFIG")
        if not statement.lstrip().upper().startswith(skip):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_article_page_query_count(
    client: FlaskClient,
    make_article: Callable[..., Article],
    readers: Readers,
    login: Callable,
    who: str,
) -> None:
    targets = [make_article(title=f"Mål {n}") for n in range(6)]
    article = make_article(
        access="members",
        tags=[f"emne {n}" for n in range(25)],
        related=[t.slug for t in targets],
        body="Intro.\n\n<!-- paywall -->\n\nLukket.\n",
    )
    if who == "member":
        login(client, readers.member)
    client.get(f"/articles/{article.slug}")  # warm-up: templates compiled
    with counting() as statements:
        page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "emne 24" in page and "Mål 5" in page
    own = [s for s in statements if "users" not in s and "grants" not in s]
    assert len(own) <= 4, "\n\n".join(statements)
    if who == "anonymous":
        assert len(statements) <= 4

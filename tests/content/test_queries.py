"""An article page costs one statement when warm (the reader's access) and at most four when
cold, whatever its number of tags and links."""

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


@pytest.mark.parametrize("who", ["anonymous", "member", "subscriber"])
def test_a_warm_page_costs_one_statement_and_a_cold_one_at_most_four(
    client: FlaskClient,
    make_article: Callable[..., Article],
    readers: Readers,
    login,
    who: str,
) -> None:
    targets = [make_article(title=f"Mål {n}") for n in range(6)]
    article = make_article(
        access="paid",
        tags=[f"emne {n}" for n in range(25)],
        related=[t.slug for t in targets],
        body="Intro.\n\n<!-- paywall -->\n\nLukket.\n",
    )
    if who != "anonymous":
        login(client, getattr(readers, who))
    with counting() as cold:
        page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "emne 24" in page and "Mål 5" in page
    assert ("Lukket." in page) is (who == "subscriber")
    with counting() as warm:
        assert "Mål 5" in client.get(f"/articles/{article.slug}").get_data(as_text=True)
    access_statements = 0 if who == "anonymous" else 1
    assert len(warm) == access_statements, "\n\n".join(warm)
    assert len(cold) <= 3 + access_statements, "\n\n".join(cold)

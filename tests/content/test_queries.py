"""An article page costs one statement when warm (the reader's access) and at most four when
cold, whatever its number of tags and links."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.accounts.models import User
from portal.billing.grants import grant_to_user
from portal.content import editorial
from portal.content.models import Article
from portal.extensions import db
from tests.conftest import login_as
from tests.content.conftest import Readers
from tests.support.database import ThrowawayDatabase, terminate_backends
from tests.support.statements import counting


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


def _committed_subscriber_and_article(create_user: Callable[..., User]) -> User:
    editorial.ensure_categories()
    author = editorial.upsert_author("forfatter", "Forfatter", "")
    data = editorial.ArticleInput(
        title="Uten transaksjon",
        slug="uten-transaksjon",
        category="ikt-strategi",
        access="paid",
        body_md="Åpent.\n\n<!-- paywall -->\n\nLukket del.\n",
        author=author.slug,
    )
    editorial.publish(editorial.save_article(data, None), None)
    subscriber = create_user()
    grant_to_user(subscriber, "test")
    db.session.commit()
    return subscriber


def test_a_reader_get_opens_no_transaction(committed_app: Flask, create_user) -> None:
    """On a real engine the article page's statements run in autocommit: no BEGIN, no ROLLBACK
    (and still the right text for each reader)."""
    subscriber = _committed_subscriber_and_article(create_user)
    open_after: list[int] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        open_after.append(conn.connection.dbapi_connection.info.transaction_status)

    client = committed_app.test_client()
    login_as(client, subscriber)
    event.listen(Engine, "after_cursor_execute", record)
    try:
        for _ in range(2):
            assert "Lukket del." in client.get("/articles/uten-transaksjon").get_data(True)
        assert "Lukket del." not in committed_app.test_client().get(
            "/articles/uten-transaksjon"
        ).get_data(True)
    finally:
        event.remove(Engine, "after_cursor_execute", record)
    assert open_after and set(open_after) == {TransactionStatus.IDLE}
    with db.engine.connect() as connection:  # the pooled connection is back to transactions
        assert connection.connection.dbapi_connection.autocommit is False


def test_a_reader_page_survives_a_database_restart_without_pre_ping(
    committed_app: Flask, create_user, database: ThrowawayDatabase
) -> None:
    """No ping before each checkout: the pooled connection a restart killed fails on first use,
    and the GET is run again once on a fresh one."""
    client = committed_app.test_client()
    login_as(client, _committed_subscriber_and_article(create_user))
    assert "Lukket del." in client.get("/articles/uten-transaksjon").get_data(True)
    db.session.close()  # the test's own connection goes back to the pool, to be killed too
    assert terminate_backends(database.name) >= 1
    response = client.get("/articles/uten-transaksjon")
    assert response.status_code == 200 and "Lukket del." in response.get_data(True)

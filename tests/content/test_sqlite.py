"""The embedded default: migrations, demo content, pages and FTS5 search on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from portal.content import demo, editorial
from portal.extensions import db
from tests.conftest import ROOT
from tests.content.conftest import CANARY_WORDS, body_with_canary


@pytest.fixture
def sqlite_app(make_app: Callable[..., Flask], base_app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh SQLite file; afterwards the suite's own app is Celery's default again
    (creating an app makes its Celery the default one)."""
    yield make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'embedded.db'}",
        DATABASE_OWNER_URL=None,
        DATABASE_APP_ROLE=None,
    )
    base_app.extensions["celery"].set_default()


def test_sqlite_upgrade_seed_pages_and_search(sqlite_app: Flask) -> None:
    app = sqlite_app
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        assert demo.seed()["created"] == 21
        db.session.commit()
        assert demo.seed()["unchanged"] == 21
        article = editorial.save_article(
            editorial.ArticleInput(
                title="Kanari på SQLite",
                slug="kanari-sqlite",
                category="ledelse",
                access="paid",
                body_md=body_with_canary("paid"),
            ),
            None,
        )
        editorial.publish(article, None)
        db.session.commit()
    client = app.test_client()
    for path in ("/", "/articles/", "/articles/hva-er-en-digital-strategi", "/feed.xml"):
        assert client.get(path).status_code == 200, path
    page = client.get("/search?q=strategiene").get_data(as_text=True)
    assert "0 treff" not in page and "<mark>" in page
    # A members article is found by its public teaser, not by words after the marker.
    gated = client.get("/articles/swot-analyse-i-praksis").get_data(as_text=True)
    assert 'id="paywall"' in gated
    found = client.get(f"/search?q={CANARY_WORDS['paid']}").get_data(as_text=True)
    assert "0 treff" in found and "Kanari på SQLite" not in found
    assert "Kanari på SQLite" in client.get("/search?q=offentlig").get_data(as_text=True)
    for query in ('"', "a\x00b", "x" * 5000, "😀", "NEAR(", "title:x", "*", "^"):
        assert client.get("/search", query_string={"q": query}).status_code == 200, query

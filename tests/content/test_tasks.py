"""The beat task content.publish_due publishes scheduled articles at their time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from portal.content import editorial
from portal.content.models import Article, ContentAudit
from portal.extensions import db
from tests.content.conftest import run_beat_task


def test_scheduled_article_is_published_by_the_beat_task_at_its_time(
    app: Flask, client: FlaskClient, make_article: Callable[..., Article]
) -> None:
    at = datetime(2031, 3, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2031, 2, 28, 12, 0, tzinfo=UTC), tick=False):
        article = make_article(publish=False, title="Planlagt om veikart")
        editorial.schedule(article, None, at)
        assert article.status == "scheduled"
        run_beat_task(app)
        db.session.refresh(article)
        assert article.status == "scheduled"
        assert client.get(f"/articles/{article.slug}").status_code == 404
        assert "Planlagt om veikart" not in client.get("/articles/").get_data(as_text=True)
    with time_machine.travel(datetime(2031, 3, 1, 8, 0, 30, tzinfo=UTC), tick=False):
        result = run_beat_task(app)
        assert result.result == [article.id]  # EagerResult: .get() refuses inside workers
        db.session.refresh(article)
        assert article.status == "published" and article.published_at == at
        assert client.get(f"/articles/{article.slug}").status_code == 200
        assert "Planlagt om veikart" in client.get("/feed.xml").get_data(as_text=True)
        actions = db.session.scalars(
            db.select(ContentAudit.action).where(ContentAudit.article_id == article.id)
        ).all()
        assert "schedule" in actions and "publish_due" in actions

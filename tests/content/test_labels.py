"""Content codes as words, in both languages; a category's name in the reader's language."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import force_locale

from portal.content import labels
from portal.content.models import Article, Category
from portal.timeutil import utcnow


def test_status_and_access_in_words(app: Flask) -> None:
    with force_locale("nb"):
        assert [labels.status_label(s) for s in ("draft", "scheduled", "published")] == [
            "Utkast",
            "Planlagt",
            "Publisert",
        ]
        assert labels.access_label("paid") == "For abonnenter"
    with force_locale("en"):
        assert labels.access_label("members") == "For members"
        assert labels.status_label("draft") == "Draft"


def test_a_due_scheduled_article_reads_as_published() -> None:
    soon = Article(status="scheduled", published_at=utcnow() + timedelta(hours=1))
    due = Article(status="scheduled", published_at=utcnow() - timedelta(seconds=1))
    assert labels.effective_status(soon) == "scheduled"
    assert labels.effective_status(due) == "published"
    assert labels.effective_status(Article(status="draft")) == "draft"


def test_category_name_follows_the_language_and_falls_back(app: Flask) -> None:
    named = Category(slug="ledelse", name="Ledelse", name_en="Leadership")
    unnamed = Category(slug="okonomi", name="Økonomi", name_en="")
    with force_locale("en"):
        assert labels.category_name(named) == "Leadership"
        assert labels.category_name(unnamed) == "Økonomi"
    with force_locale("nb"):
        assert labels.category_name(named) == "Ledelse"

"""The content blueprint (reader pages, feeds and search register their views on it) and the
template filters that turn content codes into words in every template."""

from __future__ import annotations

from flask import Blueprint

from portal.content import labels
from portal.content.models import Article, Category

bp = Blueprint("content", __name__)


@bp.app_template_filter("article_status")
def _article_status(article: Article) -> str:
    """An article's status in words, as readers experience it (a due scheduled one is published)."""
    return labels.status_label(labels.effective_status(article))


@bp.app_template_filter("status_label")
def _status_label(status: str) -> str:
    return labels.status_label(status)


@bp.app_template_filter("access_label")
def _access_label(access: str) -> str:
    return labels.access_label(access)


@bp.app_template_filter("category_name")
def _category_name(category: Category) -> str:
    return labels.category_name(category)

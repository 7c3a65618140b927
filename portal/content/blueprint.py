"""The content blueprint (reader pages, feeds and search register their views on it) and the
template filters that turn content codes into words in every template."""

from __future__ import annotations

from flask import Blueprint

from portal.content import labels
from portal.content.models import Category

bp = Blueprint("content", __name__)


@bp.app_template_filter("article_status")
def _status_label(status: str) -> str:
    return labels.status_label(status)


@bp.app_template_filter("access_label")
def _access_label(access: str) -> str:
    return labels.access_label(access)


@bp.app_template_filter("category_name")
def _category_name(category: Category) -> str:
    return labels.category_name(category)

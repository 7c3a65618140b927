"""The content blueprint (reader pages, feeds and search register their views on it) and the
template filters that turn content codes into words in every template."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from markupsafe import Markup

from portal.content import labels
from portal.content.models import Article, Category
from portal.content.rendering import scrolling_tables

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


@bp.app_template_filter("scrolling_tables")
def _scrolling_tables(fragment: Markup) -> Markup:
    # The fragment is sanitised article HTML (rendering.sanitise); only its <table> tags change.
    return Markup(scrolling_tables(str(fragment), _("Tabell")))  # noqa: S704

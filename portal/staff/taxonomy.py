"""Back office: categories (with their English names), authors and the content audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.content import editorial, labels, service
from portal.content.forms import AuthorForm, CategoryForm
from portal.content.models import Author, Category
from portal.form_flow import handle_form
from portal.staff.blueprint import bp, menu_item, staff_required


@bp.get("/articles/audit")
@staff_required()
@menu_item(_l("Logg for artikler"))
def article_audit() -> str:
    return render_template(
        "staff/articles/audit.html", lines=labels.audit_lines(service.audit_log())
    )


def _upsert_page(
    form: CategoryForm | AuthorForm,
    save: Callable[[], Category | Author],
    saved_message: str,
    template: str,
    **context: Any,
) -> ResponseReturnValue:
    """One taxonomy form through the house form idiom; the service audits the change."""
    return handle_form(
        form,
        page=lambda status: (render_template(template, form=form, **context), status),
        action=save,
        success=str(request.endpoint),
        flash_message=saved_message,
    )


@bp.route("/categories", methods=["GET", "POST"])
@staff_required()
@menu_item(_l("Kategorier"))
def categories() -> ResponseReturnValue:
    form = CategoryForm()
    return _upsert_page(
        form,
        lambda: editorial.upsert_category(
            form.slug.data,
            form.name.data,
            form.description.data or "",
            form.name_en.data or "",
            actor=current_user,
        ),
        _("Kategorien er lagret."),
        "staff/articles/categories.html",
        categories=service.categories(),
    )


@bp.route("/authors", methods=["GET", "POST"])
@staff_required()
@menu_item(_l("Forfattere"))
def authors() -> ResponseReturnValue:
    form = AuthorForm()
    return _upsert_page(
        form,
        lambda: editorial.upsert_author(
            form.slug.data,
            form.name.data,
            form.bio.data or "",
            form.photo_url.data or None,
            actor=current_user,
        ),
        _("Forfatteren er lagret."),
        "staff/articles/authors.html",
        authors=service.authors(),
    )

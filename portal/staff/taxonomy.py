"""Back office: categories (with their English names), authors and the content audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.content import editorial, labels, service
from portal.content.forms import AuthorForm, CategoryForm
from portal.content.models import Author, Category
from portal.extensions import db
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
    kind: str,
    saved_message: str,
    template: str,
    **context: Any,
) -> tuple[str, int] | Response:
    """Validate, save through the service, show its errors on the form, or audit and redirect."""
    if form.validate_on_submit():
        try:
            item = save()
        except editorial.ContentError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            editorial.audit(current_user, kind, None, item.slug)
            db.session.commit()
            flash(saved_message, "success")
            return redirect(url_for(str(request.endpoint)), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


@bp.route("/categories", methods=["GET", "POST"])
@staff_required()
@menu_item(_l("Kategorier"))
def categories() -> tuple[str, int] | Response:
    form = CategoryForm()
    return _upsert_page(
        form,
        lambda: editorial.upsert_category(
            form.slug.data, form.name.data, form.description.data or "", form.name_en.data or ""
        ),
        "category",
        _("Kategorien er lagret."),
        "staff/articles/categories.html",
        categories=service.categories(),
    )


@bp.route("/authors", methods=["GET", "POST"])
@staff_required()
@menu_item(_l("Forfattere"))
def authors() -> tuple[str, int] | Response:
    form = AuthorForm()
    return _upsert_page(
        form,
        lambda: editorial.upsert_author(
            form.slug.data, form.name.data, form.bio.data or "", form.photo_url.data or None
        ),
        "author",
        _("Forfatteren er lagret."),
        "staff/articles/authors.html",
        authors=service.authors(),
    )

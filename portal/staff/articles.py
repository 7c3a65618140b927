"""Back office: the article list and the writing page (preview, paywall, schedule, publish)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal.content import editorial, labels, paywall, service
from portal.content.forms import ActionForm, ArticleForm, ScheduleForm
from portal.content.models import ACCESS_CHOICES, STATUS_CHOICES, Article
from portal.content.rendering import render_article
from portal.extensions import db
from portal.staff.blueprint import bp, menu_item, staff_required
from portal.timeutil import local_time


def article_or_404(article_id: int) -> Article:
    return service.get_by_id(article_id) or abort(404)


def _article_form(article: Article | None = None, fresh: bool = False) -> ArticleForm:
    # fresh: the article as saved (another form on the page was posted).
    form = ArticleForm(formdata=None) if fresh else ArticleForm()
    if article is not None and (request.method == "GET" or fresh):
        data = editorial.input_from(article)
        form.process(
            data={
                "title": data.title,
                "slug": data.slug,
                "lede": data.lede,
                "category": data.category,
                "access": data.access,
                "author": data.author or "",
                "tags": ", ".join(data.tags),
                "related": ", ".join(data.related),
                "featured": data.featured,
                "body": data.body_md,
            }
        )
    form.category.choices = [
        SelectChoice(c.slug, labels.category_name(c)) for c in service.categories()
    ]
    form.access.choices = [SelectChoice(a, labels.access_label(a)) for a in ACCESS_CHOICES]
    form.author.choices = [SelectChoice("", "—")] + [
        SelectChoice(a.slug, a.name) for a in service.authors()
    ]
    return form


def _input(form: ArticleForm) -> editorial.ArticleInput:
    def split(value: str | None) -> list[str]:
        return [part.strip() for part in (value or "").split(",") if part.strip()]

    return editorial.ArticleInput(
        title=form.title.data or "",
        slug=(form.slug.data or "").strip(),
        category=form.category.data or "",
        access=form.access.data or "",
        body_md=form.body.data or "",
        lede=form.lede.data or "",
        author=form.author.data or None,
        tags=split(form.tags.data),
        featured=bool(form.featured.data),
        related=split(form.related.data),
    )


def _editor(
    form: ArticleForm,
    article: Article | None,
    status: int = 200,
    schedule_form: ScheduleForm | None = None,
) -> tuple[str, int]:
    preview = None
    if request.method == "POST" and request.form.get("action") == "preview":
        preview = render_article(form.body.data or "", current_app.config["TEASER_MAX_CHARS"])
    return (
        render_template(
            "staff/articles/edit.html",
            form=form,
            article=article,
            state=labels.effective_status(article) if article else None,
            preview=preview,
            preview_access=form.access.data if form.access.data in ACCESS_CHOICES else "public",
            schedule_form=schedule_form or ScheduleForm(formdata=None),
            action_form=ActionForm(),
            personas=paywall.PREVIEW_PERSONAS,
        ),
        status,
    )


def _save(form: ArticleForm, article: Article | None) -> tuple[str, int] | Response:
    if not form.validate_on_submit():
        return _editor(form, article, 422 if request.method == "POST" else 200)
    if request.form.get("action") == "preview":
        return _editor(form, article)
    try:
        saved = editorial.save_article(_input(form), current_user, article)
        db.session.commit()
    except editorial.ContentError as exc:
        for name, message in exc.errors.items():
            field = getattr(form, "body" if name == "body_md" else name, None)
            if field is not None:
                field.errors = [*field.errors, message]
        db.session.rollback()
        return _editor(form, article, 422)
    except IntegrityError:
        # Another editor took the address after our check (the unique index is the referee).
        db.session.rollback()
        form.slug.errors = [
            *form.slug.errors,
            _("Adressen er allerede i bruk av en annen artikkel."),
        ]
        return _editor(form, article, 409)
    flash(_("Artikkelen er lagret."), "success")
    return redirect(url_for("staff.article_edit", article_id=saved.id), code=303)


@bp.get("/articles")
@staff_required()
@menu_item(_l("Artikler"))
def articles() -> str:
    status = request.args.get("status") if request.args.get("status") in STATUS_CHOICES else None
    category = request.args.get("category") or None
    query = (request.args.get("q") or "")[:100]
    page = service.paginate(
        service.staff_list(status, category, query), request.args.get("page", 1, type=int), 30
    )
    return render_template(
        "staff/articles/list.html",
        pagination=page,
        status=status,
        category=category,
        query=query,
        statuses=STATUS_CHOICES,
        categories=service.categories(),
    )


@bp.route("/articles/new", methods=["GET", "POST"])
@staff_required()
def article_new() -> tuple[str, int] | Response:
    return _save(_article_form(), None)


@bp.route("/articles/<int:article_id>", methods=["GET", "POST"])
@staff_required()
def article_edit(article_id: int) -> tuple[str, int] | Response:
    article = article_or_404(article_id)
    return _save(_article_form(article), article)


@bp.post("/articles/<int:article_id>/<any(publish, unpublish):action>")
@staff_required()
def article_state(article_id: int, action: str) -> Response:
    article = article_or_404(article_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "publish":
        editorial.publish(article, current_user)
        flash(_("Artikkelen er publisert."), "success")
    else:
        editorial.unpublish(article, current_user)
        flash(_("Artikkelen er avpublisert og er nå et utkast."), "success")
    db.session.commit()
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)


@bp.post("/articles/<int:article_id>/schedule")
@staff_required()
def article_schedule(article_id: int) -> Response | tuple[str, int]:
    """Schedule publication; a time that has passed is refused and "publish now" offered."""
    article = article_or_404(article_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        local: datetime = form.publish_at.data
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        try:
            editorial.schedule(article, current_user, local.replace(tzinfo=zone))
        except editorial.ContentError as exc:
            db.session.rollback()
            form.publish_at.errors = [*form.publish_at.errors, *exc.errors.values()]
        else:
            db.session.commit()
            flash(
                _("Artikkelen publiseres %(when)s.", when=local_time(article.published_at)),
                "success",
            )
            return redirect(url_for("staff.article_edit", article_id=article.id), code=303)
    return _editor(_article_form(article, fresh=True), article, 422, schedule_form=form)


@bp.get("/articles/<int:article_id>/preview")
@staff_required()
def article_preview(article_id: int) -> str:
    """The page as an anonymous visitor, a free member or a subscriber would see it."""
    article = article_or_404(article_id)
    persona = request.args.get("as")
    persona = persona if persona in paywall.PREVIEW_PERSONAS else "anonymous"
    return render_template(
        "staff/articles/preview.html",
        article=paywall.preview_for(article, persona),
        source=article,
        persona=persona,
        personas=paywall.PREVIEW_PERSONAS,
    )

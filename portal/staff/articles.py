"""Back office: articles (editor, preview, schedule, publish, revisions), categories, authors."""

from __future__ import annotations

import difflib
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal.billing.entitlements import can_read
from portal.content import editorial, paywall, service
from portal.content.forms import ActionForm, ArticleForm, AuthorForm, CategoryForm, ScheduleForm
from portal.content.models import STATUS_CHOICES, Article
from portal.content.rendering import render_article
from portal.extensions import db
from portal.staff.blueprint import bp, menu_item, staff_required

PERSONAS = ("anonymous", "member", "subscriber")


class _FreeMember(AnonymousUserMixin):
    """The preview's logged-in member without grant, subscription or seat.

    Its id is 0, which no row has: with None, look-ups such as `grant.user_id == user.id`
    become `IS NULL` and find organisations' grants and subscriptions.
    """

    id = 0
    staff_role = None
    is_staff = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False


def _article_or_404(article_id: int) -> Article:
    return service.get_by_id(article_id) or abort(404)


def _article_form(article: Article | None = None) -> ArticleForm:
    form = ArticleForm()
    if article is not None and request.method == "GET":
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
    form.category.choices = [SelectChoice(c.slug, c.name) for c in service.categories()]
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


def _editor(form: ArticleForm, article: Article | None, status: int = 200) -> tuple[str, int]:
    preview = None
    if request.method == "POST" and request.form.get("action") == "preview":
        rendered = render_article(form.body.data or "", current_app.config["TEASER_MAX_CHARS"])
        preview = rendered.body_html
    return (
        render_template(
            "staff/articles/edit.html",
            form=form,
            article=article,
            preview=preview,
            schedule_form=ScheduleForm(),
            action_form=ActionForm(),
            personas=PERSONAS,
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
    article = _article_or_404(article_id)
    return _save(_article_form(article), article)


@bp.post("/articles/<int:article_id>/<any(publish, unpublish):action>")
@staff_required()
def article_state(article_id: int, action: str) -> Response:
    article = _article_or_404(article_id)
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
    article = _article_or_404(article_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(_("Velg et gyldig tidspunkt for publisering."), "error")
        return redirect(url_for("staff.article_edit", article_id=article.id), code=303)
    local: datetime = form.publish_at.data
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    editorial.schedule(article, current_user, local.replace(tzinfo=zone))
    db.session.commit()
    flash(_("Publiseringen er planlagt."), "success")
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)


@bp.get("/articles/<int:article_id>/preview")
@staff_required()
def article_preview(article_id: int) -> str:
    """The page as an anonymous visitor, a free member or a subscriber would see it."""
    article = _article_or_404(article_id)
    persona = request.args.get("as") if request.args.get("as") in PERSONAS else "anonymous"
    if persona == "subscriber":
        full = True  # a subscriber may read every access level
    else:
        # A stand-in reader, never saved, asked of the one entitlement function.
        reader = AnonymousUserMixin() if persona == "anonymous" else _FreeMember()
        full = can_read(reader, article.access)
    return render_template(
        "staff/articles/preview.html",
        article=paywall.for_reader(article, full),
        source=article,
        persona=persona,
        personas=PERSONAS,
    )


@bp.get("/articles/<int:article_id>/revisions")
@staff_required()
def article_revisions(article_id: int) -> str:
    article = _article_or_404(article_id)
    chosen = request.args.get("compare", type=int)
    revision = service.revision(article, chosen) if chosen else None
    diff: list[str] = []
    if revision is not None:
        diff = list(
            difflib.unified_diff(
                revision.body_md.splitlines(),
                article.body_md.splitlines(),
                fromfile=_("Versjon %(id)s", id=revision.id),
                tofile=_("Nå"),
                lineterm="",
            )
        )
    return render_template(
        "staff/articles/revisions.html",
        article=article,
        revisions=service.revisions(article),
        revision=revision,
        diff=diff,
        action_form=ActionForm(),
    )


@bp.post("/articles/<int:article_id>/revisions/<int:revision_id>/restore")
@staff_required()
def article_restore(article_id: int, revision_id: int) -> Response:
    article = _article_or_404(article_id)
    revision = service.revision(article, revision_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    editorial.restore_revision(article, revision, current_user)
    db.session.commit()
    flash(_("Den valgte versjonen er gjenopprettet."), "success")
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)


@bp.get("/articles/audit")
@staff_required()
@menu_item(_l("Logg for artikler"))
def article_audit() -> str:
    return render_template("staff/articles/audit.html", entries=service.audit_log())


@bp.route("/categories", methods=["GET", "POST"])
@staff_required()
@menu_item(_l("Kategorier"))
def categories() -> tuple[str, int] | Response:
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = editorial.upsert_category(
                form.slug.data, form.name.data, form.description.data or ""
            )
        except editorial.ContentError as exc:
            db.session.rollback()
            form.slug.errors = [*form.slug.errors, *exc.errors.values()]
        else:
            editorial.audit(current_user, "category", None, category.slug)
            db.session.commit()
            flash(_("Kategorien er lagret."), "success")
            return redirect(url_for("staff.categories"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/articles/categories.html", form=form, categories=service.categories()
    ), status


@bp.route("/authors", methods=["GET", "POST"])
@staff_required()
@menu_item(_l("Forfattere"))
def authors() -> tuple[str, int] | Response:
    form = AuthorForm()
    if form.validate_on_submit():
        try:
            author = editorial.upsert_author(
                form.slug.data, form.name.data, form.bio.data or "", form.photo_url.data or None
            )
        except editorial.ContentError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            editorial.audit(current_user, "author", None, author.slug)
            db.session.commit()
            flash(_("Forfatteren er lagret."), "success")
            return redirect(url_for("staff.authors"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/articles/authors.html", form=form, authors=service.authors()
    ), status

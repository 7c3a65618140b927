"""Back office: an article's revisions, compared with the article as readable text, and restore."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.content import compare, editorial, service
from portal.content.forms import ActionForm
from portal.extensions import db
from portal.staff.articles import article_or_404
from portal.staff.blueprint import bp, staff_required


@bp.get("/articles/<int:article_id>/revisions")
@staff_required()
def article_revisions(article_id: int) -> str:
    article = article_or_404(article_id)
    chosen = request.args.get("compare", type=int)
    revision = service.revision(article, chosen) if chosen else None
    return render_template(
        "staff/articles/revisions.html",
        article=article,
        history=compare.history(article),
        revision=revision,
        comparison=compare.compare(revision, article) if revision is not None else None,
        action_form=ActionForm(),
    )


@bp.post("/articles/<int:article_id>/revisions/<int:revision_id>/restore")
@staff_required()
def article_restore(article_id: int, revision_id: int) -> Response:
    article = article_or_404(article_id)
    revision = service.revision(article, revision_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    editorial.restore_revision(article, revision, current_user)
    db.session.commit()
    flash(_("Den valgte versjonen er gjenopprettet."), "success")
    return redirect(url_for("staff.article_edit", article_id=article.id), code=303)

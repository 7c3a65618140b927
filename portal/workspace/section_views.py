"""The section editor: prose with optimistic locking, items of lists and grids, comments."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.extensions import db
from portal.orgs.forms import ActionForm
from portal.workspace import documents, labels, planning, service
from portal.workspace.blueprint import bp, commenter_view, editor_view, locale, page, submit
from portal.workspace.errors import ConflictError, WorkspaceError
from portal.workspace.forms import CommentForm, ItemForm, SectionForm
from portal.workspace.models import Benefit, Goal, Item, Measure, Risk, SectionContent, Workbook

ROWS = {"goals": Goal, "measures": Measure, "benefits": Benefit, "risks": Risk}


def _item_form(section: dict[str, Any], from_request: bool = False) -> ItemForm:
    form = ItemForm() if from_request else ItemForm(formdata=None)
    form.box.choices = [
        (b["key"], labels.localised(b["title"], locale())) for b in section.get("boxes", [])
    ]
    if not form.box.choices:
        form.box.choices = [("", "")]
    return form


def _render(
    wb: Workbook,
    content: SectionContent,
    status: int = 200,
    *,
    form: SectionForm | None = None,
    item_form: ItemForm | None = None,
    comment_form: CommentForm | None = None,
    conflict: ConflictError | None = None,
) -> tuple[str, int]:
    org = g.org
    section = service.template_section(wb, content.section_key)
    if form is None:
        form = SectionForm(formdata=None, prose=content.prose_md, version=content.version)
    model = ROWS.get(section["kind"])
    return render_template(
        "workspace/section.html",
        **page(
            workbook=wb,
            content=content,
            section=section,
            form=form,
            item_form=item_form or _item_form(section),
            comment_form=comment_form or CommentForm(formdata=None),
            action_form=ActionForm(formdata=None),
            items=service.items(org, wb, content.section_key),
            rows=planning.rows(org, wb, model) if model else [],
            new_row_url=url_for(f"workspace.{section['kind'][:-1]}_new", workbook_id=wb.id)
            if model
            else None,
            measure_data=documents.measure_rows(org, wb) if section["kind"] == "measures" else [],
            comments=service.comments(org, wb, content.section_key),
            conflict=conflict,
        ),
    ), status


def _load(workbook_id: int, section_id: int) -> tuple[Workbook, SectionContent]:
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    return wb, service.section_of(g.org, wb, section_id)


def _section_url(wb: Workbook, content: SectionContent, anchor: str | None = None) -> str:
    return url_for("workspace.section", workbook_id=wb.id, section_id=content.id, _anchor=anchor)


@bp.get("/<int:workbook_id>/sections/<int:section_id>")
def section(workbook_id: int, section_id: int) -> tuple[str, int]:
    return _render(*_load(workbook_id, section_id))


@bp.post("/<int:workbook_id>/sections/<int:section_id>")
@editor_view
def save_section(workbook_id: int, section_id: int) -> Any:
    org = g.org
    wb, content = _load(workbook_id, section_id)
    form = SectionForm()
    if not form.validate_on_submit():
        return _render(wb, content, 422, form=form)
    based_on = int(form.version.data) if (form.version.data or "").isdigit() else -1
    try:
        service.save_section(org, g.membership.user, wb, content, form.prose.data or "", based_on)
    except ConflictError as conflict:
        db.session.rollback()
        fresh = service.section_of(org, wb, section_id)
        conflict.theirs = conflict.theirs or fresh.prose_md
        # Keep the writer's own text in the box; the form now builds on the saved version.
        form.version.data = str(fresh.version)
        return _render(wb, fresh, 409, form=form, conflict=conflict)
    db.session.commit()
    flash(_("Teksten er lagret."), "success")
    return redirect(_section_url(wb, content), code=303)


@bp.post("/<int:workbook_id>/sections/<int:section_id>/items")
@editor_view
def add_item(workbook_id: int, section_id: int) -> Any:
    org = g.org
    wb, content = _load(workbook_id, section_id)
    section = service.template_section(wb, content.section_key)
    form = _item_form(section, from_request=True)
    return submit(
        form,
        lambda: service.add_item(
            org,
            g.membership.user,
            wb,
            content.section_key,
            form.box.data or None,
            form.title.data or "",
            form.text.data or "",
            form.influence.data,
            form.interest.data,
        ),  # fmt: skip
        _("Punktet er lagt til."),
        _section_url(wb, content, "items"),
        lambda status: _render(wb, content, status, item_form=form),
    )


@bp.post("/<int:workbook_id>/items/<int:item_id>/delete")
@editor_view
def delete_item(workbook_id: int, item_id: int) -> Any:
    org = g.org
    wb = Workbook.get_for_org_or_404(org, workbook_id)
    item = Item.get_for_org_or_404(org, item_id)
    if item.workbook_id != wb.id:
        abort(404)
    content = service.section_content_by_key(org, wb, item.section_key)
    if ActionForm().validate_on_submit():
        service.remove_item(org, g.membership.user, wb, item)
        db.session.commit()
        flash(_("Punktet er fjernet."), "success")
    return redirect(_section_url(wb, content, "items"), code=303)


@bp.post("/<int:workbook_id>/sections/<int:section_id>/comments")
@commenter_view
def comment(workbook_id: int, section_id: int) -> Any:
    org = g.org
    wb, content = _load(workbook_id, section_id)
    form = CommentForm()

    def add() -> None:
        kind, _sep, ident = (form.target.data or "").partition(":")
        item_kind, item_id = None, None
        if kind:
            model = {"item": Item, **{k[:-1]: m for k, m in ROWS.items()}}.get(kind)
            row = model.get_for_org_or_404(org, ident) if model else None
            if row is None or row.workbook_id != wb.id:
                raise WorkspaceError(_("Kommentaren gjelder noe som ikke finnes i arbeidsboken."))
            item_kind, item_id = kind, row.id
        service.add_comment(org, g.membership.user, wb, content.section_key,
                            form.body.data or "", item_kind, item_id)  # fmt: skip

    return submit(
        form, add, _("Kommentaren er lagt til."), _section_url(wb, content, "comments"),
        lambda status: _render(wb, content, status, comment_form=form),
    )  # fmt: skip

"""Goals (with measurements), measures, benefits and risks: one form page per row kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal.extensions import db
from portal.orgs.forms import ActionForm
from portal.workspace import labels, planning, service
from portal.workspace.blueprint import bp, editor_view, page, submit
from portal.workspace.forms import BenefitForm, GoalForm, MeasureForm, MeasurementForm, RiskForm
from portal.workspace.inputs import format_milestones
from portal.workspace.models import (
    BENEFIT_KINDS,
    MEASURE_STATUSES,
    Benefit,
    Goal,
    Measure,
    Risk,
    Workbook,
)

NO_ONE = (0, _l("Ingen valgt"))


@dataclass(frozen=True)
class Kind:
    name: str  # goal, measure, benefit, risk
    model: type[Any]
    form: type[FlaskForm]
    section_kind: str
    new_title: Any
    saved: Any
    removed: Any


KINDS = {
    "goal": Kind("goal", Goal, GoalForm, "goals", _l("Nytt mål"), _l("Målet er lagret."),
                 _l("Målet er fjernet.")),
    "measure": Kind("measure", Measure, MeasureForm, "measures", _l("Nytt tiltak"),
                    _l("Tiltaket er lagret."), _l("Tiltaket er fjernet.")),
    "benefit": Kind("benefit", Benefit, BenefitForm, "benefits", _l("Ny gevinst"),
                    _l("Gevinsten er lagret."), _l("Gevinsten er fjernet.")),
    "risk": Kind("risk", Risk, RiskForm, "risks", _l("Ny risiko"), _l("Risikoen er lagret."),
                 _l("Risikoen er fjernet.")),
}  # fmt: skip


def _choices(kind: Kind, form: Any, wb: Workbook) -> None:
    org = g.org
    form.owner_id.choices = [NO_ONE, *service.owner_choices(org)]
    if kind.name == "measure":
        form.goal_ids.choices = [(r.id, r.title) for r in planning.rows(org, wb, Goal)]
        form.priority.choices = list(labels.PRIORITY.items())
        form.status.choices = [(s, labels.text(labels.MEASURE_STATUS, s)) for s in MEASURE_STATUSES]
    elif kind.name == "benefit":
        form.kind.choices = [(k, labels.text(labels.BENEFIT_KIND, k)) for k in BENEFIT_KINDS]
        form.measure_ids.choices = [(r.id, r.title) for r in planning.rows(org, wb, Measure)]
        form.goal_id.choices = [NO_ONE] + [(r.id, r.title) for r in planning.rows(org, wb, Goal)]


def _values(kind: Kind, form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row's column values and its links, from a validated form."""
    skip = {"csrf_token", "goal_ids", "measure_ids", "milestones"}
    values = {name: field.data for name, field in form._fields.items() if name not in skip}
    links: dict[str, Any] = {}
    if kind.name == "measure":
        values["milestones"] = getattr(form.milestones, "parsed", [])
        links["goal_ids"] = form.goal_ids.data or []
    if kind.name == "benefit":
        links["measure_ids"] = form.measure_ids.data or []
        if not values["priced"]:
            values["amount_nok"] = None
    return values, links


def _section_url(wb: Workbook, kind: Kind) -> str:
    for section in wb.template.sections:
        if section["kind"] == kind.section_kind:
            content = service.section_content_by_key(g.org, wb, section["key"])
            return url_for("workspace.section", workbook_id=wb.id, section_id=content.id)
    return url_for("workspace.workbook", workbook_id=wb.id)


def _page(
    kind: Kind, wb: Workbook, row: Any, form: Any, status: int, **extra: Any
) -> tuple[str, int]:
    return render_template(
        "workspace/row.html",
        **page(
            kind=kind,
            workbook=wb,
            row=row,
            form=form,
            back=_section_url(wb, kind),
            urls=_urls(kind, wb, row),
            action_form=ActionForm(formdata=None),
            **extra,
        ),  # fmt: skip
    ), status


def _form_for(kind: Kind, wb: Workbook, row: Any | None) -> Any:
    form = kind.form(formdata=None, obj=row)
    _choices(kind, form, wb)
    if row is not None:
        form.owner_id.data = row.owner_id or 0
        if kind.name == "measure":
            form.goal_ids.data = planning.linked_ids(g.org, row)
            form.milestones.data = format_milestones(row.milestones or [])
        if kind.name == "benefit":
            form.measure_ids.data = planning.linked_ids(g.org, row)
            form.goal_id.data = row.goal_id or 0
    return form


def _save(kind: Kind, wb: Workbook, row: Any) -> Any:
    form = kind.form()
    _choices(kind, form, wb)

    def action() -> Any:
        values, links = _values(kind, form)
        return planning.save(g.org, g.membership.user, wb, row, values, **links)

    extra = _goal_extra(row) if kind.name == "goal" and row.id else {}
    return submit(
        form, action, str(kind.saved),
        lambda saved: _row_url(kind, wb, saved),
        lambda status: _page(kind, wb, row if row.id else None, form, status, **extra),
    )  # fmt: skip


def _urls(kind: Kind, wb: Workbook, row: Any | None) -> dict[str, str]:
    """Where the row's form posts (create or update) and where its removal goes."""
    if row is None:
        return {"save": url_for(f"workspace.{kind.name}_create", workbook_id=wb.id)}
    ids = {"workbook_id": wb.id, f"{kind.name}_id": row.id}
    return {
        "save": url_for(f"workspace.{kind.name}_update", **ids),
        "delete": url_for(f"workspace.{kind.name}_delete", **ids),
    }


def _row_url(kind: Kind, wb: Workbook, row: Any) -> str:
    return url_for(f"workspace.{kind.name}", workbook_id=wb.id, **{f"{kind.name}_id": row.id})


def _goal_extra(goal: Goal, form: MeasurementForm | None = None) -> dict[str, Any]:
    return {
        "measurements": planning.measurements(g.org, goal),
        "measurement_form": form or MeasurementForm(formdata=None),
    }


def _new(kind: Kind, workbook_id: int) -> Any:
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    if g.get("method_post"):
        return _save(kind, wb, kind.model())
    return _page(kind, wb, None, _form_for(kind, wb, None), 200)


def _edit(kind: Kind, workbook_id: int, row_id: int) -> Any:
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    row = planning.child_of(g.org, wb, kind.model, row_id)
    if g.get("method_post"):
        return _save(kind, wb, row)
    extra = _goal_extra(row) if kind.name == "goal" else {}
    return _page(kind, wb, row, _form_for(kind, wb, row), 200, **extra)


def _delete(kind: Kind, workbook_id: int, row_id: int) -> Any:
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    row = planning.child_of(g.org, wb, kind.model, row_id)
    back = _section_url(wb, kind)
    if ActionForm().validate_on_submit():
        planning.remove(g.org, g.membership.user, wb, row)
        db.session.commit()
        flash(str(kind.removed), "success")
    return redirect(back, code=303)


def _register(name: str) -> None:
    kind = KINDS[name]
    base = f"/<int:workbook_id>/{name}s"
    ident = f"{name}_id"

    def show_new(workbook_id: int) -> Any:
        if not g.membership.can("edit_workspace"):
            abort(403)
        return _new(kind, workbook_id)

    def create(workbook_id: int) -> Any:
        g.method_post = True
        return _new(kind, workbook_id)

    def show(workbook_id: int, **ids: int) -> Any:
        return _edit(kind, workbook_id, ids[ident])

    def update(workbook_id: int, **ids: int) -> Any:
        g.method_post = True
        return _edit(kind, workbook_id, ids[ident])

    def delete(workbook_id: int, **ids: int) -> Any:
        return _delete(kind, workbook_id, ids[ident])

    bp.add_url_rule(f"{base}/new", f"{name}_new", show_new, methods=["GET"])
    bp.add_url_rule(f"{base}/new", f"{name}_create", editor_view(create), methods=["POST"])
    bp.add_url_rule(f"{base}/<int:{ident}>", name, show, methods=["GET"])
    bp.add_url_rule(
        f"{base}/<int:{ident}>", f"{name}_update", editor_view(update), methods=["POST"]
    )
    bp.add_url_rule(f"{base}/<int:{ident}>/delete", f"{name}_delete", editor_view(delete),
                    methods=["POST"])  # fmt: skip


for _name in KINDS:
    _register(_name)


@bp.post("/<int:workbook_id>/goals/<int:goal_id>/measurements")
@editor_view
def add_measurement(workbook_id: int, goal_id: int) -> Any:
    org = g.org
    wb = Workbook.get_for_org_or_404(org, workbook_id)
    goal = planning.child_of(org, wb, Goal, goal_id)
    form = MeasurementForm()
    return submit(
        form,
        lambda: planning.add_measurement(
            org,
            g.membership.user,
            wb,
            goal,
            form.measured_on.data,
            form.value.data,
            form.note.data or "",
        ),  # fmt: skip
        _("Målingen er lagt til."),
        url_for("workspace.goal", workbook_id=wb.id, goal_id=goal.id, _anchor="measurement"),
        lambda status: _page(
            KINDS["goal"],
            wb,
            goal,
            _form_for(KINDS["goal"], wb, goal),
            status,
            **_goal_extra(goal, form),
        ),  # fmt: skip
    )

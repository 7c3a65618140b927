"""The dashboard, adopting a version, viewing an adopted version and comparing it with now."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, url_for
from flask_babel import gettext as _

from portal import readonly
from portal.orgs import door
from portal.workspace import charts, documents, kept, snapshots
from portal.workspace.blueprint import bp, editor_view, page, submit
from portal.workspace.forms import AdoptForm
from portal.workspace.models import Workbook
from portal.workspace.workbook_views import _overview


def chart_set(data: dict[str, Any]) -> dict[str, Any]:
    """The four charts of a workbook's data (live or an adopted version)."""
    header = data["workbook"]
    return {
        "progress": charts.goal_progress(data["goals"]),
        "matrix": charts.effect_effort(data["measures"]),
        "roadmap": charts.roadmap(data["measures"], header["period_from"], header["period_to"]),
        "risks": charts.risk_matrix(data["risks"]),
    }


@bp.get("/<int:workbook_id>/dashboard")
@readonly.read_only  # a kept page: the user loader needs no transaction, no rate-limit look-up
@door.looks(kept.WORKBOOK_LOOK)  # the door reads the head in its statement, in autocommit
def dashboard(workbook_id: int) -> str:
    head = kept.head(g.org, workbook_id)
    return kept.page("workspace/dashboard.html", head.key, lambda: _dashboard_context(head.id))


def _dashboard_context(workbook_id: int) -> dict[str, Any]:
    """The charts and their tables: the same for everyone who may see the workbook."""
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    data = documents.dashboard(g.org, wb)
    return page(workbook=wb, data=data, charts=chart_set(data))


@bp.post("/<int:workbook_id>/adopt")
@editor_view
def adopt(workbook_id: int) -> Any:
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    form = AdoptForm()
    return submit(
        form, lambda: snapshots.adopt(g.org, g.membership.user, wb, form.name.data or ""),
        _("Versjonen er vedtatt og lagret."),
        lambda snap: url_for("workspace.snapshot", workbook_id=wb.id, snapshot_id=snap.id),
        lambda status: _overview(wb, status, adopt_form=form),
    )  # fmt: skip


@bp.get("/<int:workbook_id>/versions/<int:snapshot_id>")
def snapshot(workbook_id: int, snapshot_id: int) -> str:
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    snap = snapshots.snapshot_of(g.org, wb, snapshot_id)
    return render_template(
        "workspace/snapshot.html",
        **page(workbook=wb, snapshot=snap, data=snap.data, charts=chart_set(snap.data)),
    )


@bp.get("/<int:workbook_id>/versions/<int:snapshot_id>/compare")
def compare(workbook_id: int, snapshot_id: int) -> str:
    wb = Workbook.get_for_org_or_404(g.org, workbook_id)
    snap = snapshots.snapshot_of(g.org, wb, snapshot_id)
    changes = snapshots.compare(snap.data, documents.full(g.org, wb))
    return render_template(
        "workspace/compare.html", **page(workbook=wb, snapshot=snap, changes=changes)
    )

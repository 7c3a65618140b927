"""The workspace front, creating a workbook, its overview, settings, status and history."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from flask import g, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from portal import readonly
from portal.content import pagecache
from portal.extensions import db
from portal.orgs import door
from portal.orgs.models import Organization
from portal.workspace import (
    activity,
    cache,
    documents,
    feed,
    kept,
    labels,
    method,
    progress,
    service,
    snapshots,
)
from portal.workspace.blueprint import bp, editor_view, locale, page, submit
from portal.workspace.forms import (
    AdoptForm,
    NewWorkbookForm,
    StatusForm,
    WorkbookSettingsForm,
)
from portal.workspace.models import NEXT_STATUSES, Template, Workbook


@bp.get("/")
@readonly.read_only  # a kept page: the user loader needs no transaction, no rate-limit look-up
@door.looks(kept.FRONT_LOOK)  # the door reads the front's key in its statement, in autocommit
def front() -> str:
    return kept.page("workspace/front.html", kept.front_key(g.org), _front_context)


def _front_context() -> dict[str, Any]:
    org = g.org
    workbooks = service.workbooks(org)
    focus = workbooks[0] if workbooks else None
    return page(
        workbooks=workbooks,
        done=progress.completion(org, workbooks),
        focus=focus,
        gaps=summary(focus)["gaps"] if focus is not None else [],
        due=feed.measures_due(org, date.today()),
        today=date.today(),
        activity=[(e, activity.describe(e)) for e in feed.recent_activity(org)],
    )


@bp.route("/new", methods=["GET", "POST"])
@editor_view
def new() -> Any:
    org = g.org
    templates = service.latest_templates()
    form = NewWorkbookForm()
    form.template_id.choices = [
        (t.id, labels.localised(t.data["name"], locale())) for t in templates
    ]

    def create() -> Workbook:
        template = db.session.get(Template, form.template_id.data)
        return service.create_workbook(
            org, g.membership.user, template, form.title.data or "",
            form.period_from.data, form.period_to.data,
        )  # fmt: skip

    return submit(
        form, create, _("Arbeidsboken er opprettet."),
        lambda wb: url_for("workspace.workbook", workbook_id=wb.id),
        lambda status: (render_template(
            "workspace/new.html", **page(form=form, templates=templates)
        ), status),
    )  # fmt: skip


def summary(workbook: Workbook) -> dict[str, Any]:
    """The overview's data, completion and gaps of the workbook (what the front and the
    organisation's panel show of it too), computed once per workbook version (and day and
    language) in this process."""
    org = g.org
    key = ("overview", org.id, workbook.id, workbook.created_at, workbook.version, date.today(),
           locale())  # fmt: skip
    return cache.pages.get_or_make(key, lambda: _summary(workbook))


def _summary(workbook: Workbook) -> dict[str, Any]:
    org = g.org
    data, counts = documents.overview_and_counts(org, workbook)
    all_counts = progress.counts_from_data(data, counts)
    shares = {
        s["key"]: progress.section_share(s, bool(s["prose_md"].strip()), all_counts)
        for s in data["sections"]
    }
    return {"data": data, "shares": shares, "done": progress.share(shares),
            "gaps": method.check(data)}  # fmt: skip


def _overview(workbook: Workbook, status: int, **forms: Any) -> tuple[str, int]:
    """The overview re-rendered around a form that was refused (not kept: it shows input)."""
    return render_template(
        "workspace/workbook.html", **page(workbook=workbook, **summary(workbook),
                                          snapshots=snapshots.snapshots(g.org, workbook),
                                          **_forms(workbook, forms))
    ), status  # fmt: skip


def _forms(workbook: Workbook, given: dict[str, Any]) -> dict[str, Any]:
    status_form = given.get("status_form") or StatusForm(formdata=None)
    status_form.status.choices = _status_choices(workbook)
    return {
        "settings_form": given.get("settings_form")
        or WorkbookSettingsForm(formdata=None, obj=workbook),
        "status_form": status_form,
        "adopt_form": given.get("adopt_form") or AdoptForm(formdata=None),
    }


def _status_choices(workbook: Workbook) -> list[tuple[str, str]]:
    return [
        (s, labels.text(labels.WORKBOOK_STATUS, s))
        for s in NEXT_STATUSES.get(workbook.status, ())
        if s != "adopted"  # adopting takes a named snapshot: its own form
    ]


@bp.get("/<int:workbook_id>/")
@readonly.read_only  # a kept page: the user loader needs no transaction, no rate-limit look-up
@door.looks(kept.WORKBOOK_LOOK)  # the door reads the head in its statement, in autocommit
def workbook(workbook_id: int) -> str:
    head = kept.head(g.org, workbook_id)
    return kept.page("workspace/workbook.html", head.key, lambda: _overview_context(head.id))


def _overview_context(workbook_id: int) -> dict[str, Any]:
    """The overview's context with empty forms whose tokens are slots (kept.py)."""
    workbook = Workbook.get_for_org_or_404(g.org, workbook_id)
    forms = _forms(workbook, {})
    kept.with_slots(*forms.values())
    return page(workbook=workbook, **summary(workbook),
                snapshots=snapshots.snapshots(g.org, workbook), **forms)  # fmt: skip


@bp.post("/<int:workbook_id>/settings")
@editor_view
def settings(workbook_id: int) -> Any:
    org = g.org
    wb = Workbook.get_for_org_or_404(org, workbook_id)
    form = WorkbookSettingsForm()

    def save() -> None:
        based_on = int(form.version.data) if (form.version.data or "").isdigit() else None
        service.update_workbook(
            org, g.membership.user, wb, form.title.data or "", form.period_from.data,
            form.period_to.data, based_on,
        )  # fmt: skip

    return submit(
        form, save, _("Arbeidsboken er lagret."),
        url_for("workspace.workbook", workbook_id=wb.id),
        lambda status: _overview(wb, status, settings_form=form),
    )  # fmt: skip


@bp.post("/<int:workbook_id>/status")
@editor_view
def status(workbook_id: int) -> Any:
    org = g.org
    wb = Workbook.get_for_org_or_404(org, workbook_id)
    form = StatusForm()
    form.status.choices = _status_choices(wb)
    return submit(
        form, lambda: service.change_status(org, g.membership.user, wb, form.status.data or ""),
        _("Statusen er endret."), url_for("workspace.workbook", workbook_id=wb.id),
        lambda code: _overview(wb, code, status_form=form),
    )  # fmt: skip


@bp.get("/history")
def history() -> str:
    entries = feed.recent_activity(g.org, limit=200)
    return render_template(
        "workspace/history.html",
        **page(activity=[(e, activity.describe(e)) for e in entries]),
    )


def panel_context() -> dict[str, Any]:
    """`workspace_panel()` for the organisation's overview: its workbooks and what to do next,
    rendered once per version of what it shows (kept.front_key), day and language: the same
    for every member (nothing on it depends on the role)."""

    def workspace_panel() -> Markup:
        org = g.org
        kept_blocks = cache.blocks()
        key = ("panel", org.id, org.slug, *kept.front_key(org), date.today(), locale())
        found = kept_blocks.get(key) if kept_blocks.enabled else None
        if found is None:
            generation = pagecache.generation()
            html = render_template("workspace/_panel_body.html", org=org, ws=_panel(org))
            found = Markup(html)  # noqa: S704 - rendered by Jinja with autoescape
            kept_blocks.put(key, found, sys.getsizeof(found), generation=generation)
        return found

    return {"workspace_panel": workspace_panel}


def _panel(org: Organization) -> dict[str, Any]:
    workbooks = service.workbooks(org)
    focus = workbooks[0] if workbooks else None
    return {
        "workbooks": workbooks[:5],
        "done": progress.completion(org, workbooks[:5]),
        "focus": focus,
        "gaps": summary(focus)["gaps"] if focus else [],
        "due": feed.measures_due(org, date.today(), limit=5),
    }

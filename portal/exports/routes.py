"""Export pages under /orgs/<org_slug>/exports: request, follow, download, history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import flash, g, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.exports import imports, labels, service, storage
from portal.exports.forms import ConfirmImportForm, ExportForm, ImportForm, OrgDataForm
from portal.exports.models import DONE, FAILED, ExportJob
from portal.exports.service import ExportError
from portal.extensions import db
from portal.form_flow import handle_form, put_refusal
from portal.orgs.blueprint import org_blueprint, require_role
from portal.orgs.mixins import MAX_ID
from portal.orgs.models import PERMISSIONS
from portal.refused import Refused
from portal.templating import current_locale
from portal.workspace import service as workspace
from portal.workspace import snapshots as workspace_snapshots
from portal.workspace.errors import WorkspaceError

bp = org_blueprint("exports", __name__, "/exports")


def _workbook_filter() -> int | None:
    value = request.args.get("workbook_id", "")
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


@dataclass(frozen=True)
class _Choices:
    """What the forms offer: the organisation's workbooks and their adopted versions, by name."""

    workbooks: list[tuple[int, str]]
    versions: list[tuple[int, str]]

    @property
    def titles(self) -> dict[int, str]:
        return dict(self.workbooks)


def _choices(versions: bool = True) -> _Choices:
    """Two statements whatever the number of workbooks; the import page needs no versions."""
    books = [(book.id, book.title) for book in workspace.workbooks(g.org)]
    titles = dict(books)
    adopted = workspace_snapshots.adopted_versions(g.org) if versions else []
    return _Choices(
        books,
        [
            (v.id, f"{titles.get(v.workbook_id, '')} – {v.name} ({labels.day(v.created_at)})")
            for v in adopted
        ],
    )


def _index(
    form: ExportForm, status: int = 200, org_form: OrgDataForm | None = None
) -> tuple[str, int]:
    workbook_id = _workbook_filter()
    return render_template(
        "exports/index.html",
        org=g.org,
        membership=g.membership,
        form=form,
        org_form=org_form or OrgDataForm(formdata=None),
        jobs=service.history(g.org, workbook_id),
        workbook_id=workbook_id,
        choices=_choices(),
        downloadable=service.downloadable,
    ), status


@bp.get("/")
def index() -> tuple[str, int]:
    form = ExportForm(formdata=None, workbook_id=_workbook_filter())
    return _index(form)


@bp.post("/")
def request_export() -> ResponseReturnValue:
    form = ExportForm()
    return handle_form(
        form,
        page=lambda status: _index(form, status),
        action=lambda: service.request_export(
            g.org,
            g.membership.user,
            form.workbook_id.data or 0,
            form.format.data or "",
            form.language.data or "nb",
            snapshot_id=form.snapshot_id.data,
        ),  # fmt: skip
        success=_to_job,
    )


@bp.post("/organisation")
@require_role("owner")
def request_org_data() -> ResponseReturnValue:
    form = OrgDataForm()
    return handle_form(
        form,
        page=lambda status: _index(ExportForm(formdata=None), status, org_form=form),
        action=lambda: service.request_org_data_export(
            g.org, g.membership.user, form.language.data or "nb"
        ),
        success=_to_job,
    )


def _to_job(job: ExportJob) -> Response:
    return redirect(url_for("exports.job", job_id=job.id), code=303)


def _import_page(
    form: ImportForm, staged: imports.Staged | None = None, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "exports/import.html",
        org=g.org,
        membership=g.membership,
        form=form,
        staged=staged,
        choices=_choices(versions=False),
        read_only=workspace.is_read_only(g.org),
    )
    return page, status


def _writable(view: Callable[..., Any]) -> Callable[..., Any]:
    """Editors, while the organisation has access: a lapsed workspace takes no import."""

    @require_role(PERMISSIONS["edit_workspace"])
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if workspace.is_read_only(g.org):
            return _import_page(ImportForm(formdata=None), status=403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/import", methods=["GET", "POST"])
@_writable
def import_preview() -> ResponseReturnValue:
    """Upload an XLSX to a workbook and see what it would change; nothing is written."""
    form = ImportForm()
    if not form.is_submitted():
        form.workbook_id.data = _workbook_filter()  # from the workbook's export page
    if not form.validate_on_submit():
        return _import_page(form, status=422 if form.is_submitted() else 200)
    try:
        staged = imports.preview_import(
            g.org, g.membership.user, form.workbook_id.data or 0, form.file.data.read(),
            current_locale(),
        )  # fmt: skip
    except ExportError as exc:
        put_refusal(form, exc, "file")
        return _import_page(form, status=422)
    return _import_page(form, staged, 200 if staged.preview.ok else 422)


@bp.post("/import/confirm")
@_writable
def import_confirm() -> ResponseReturnValue:
    """Apply the previewed upload the token names, in one transaction; a stale preview is shown
    again instead, fresh, and a preview with problems writes nothing."""
    confirm = ConfirmImportForm()
    form = ImportForm(formdata=None)
    if not confirm.validate_on_submit():
        form.form_errors.extend(_form_messages(confirm))
        return _import_page(form, status=422)
    try:
        staged = imports.confirm_import(
            g.org, g.membership.user, confirm.token.data or "", current_locale()
        )
    except Refused as exc:
        db.session.rollback()
        put_refusal(form, exc)
        return _import_page(form, status=409 if isinstance(exc, WorkspaceError) else 422)
    form.workbook_id.data = staged.workbook_id
    if not staged.applied:
        return _import_page(form, staged, 409 if staged.stale else 422)
    db.session.commit()
    flash(
        _("Endringene fra Excel-filen er lagret: %(created)s nye, %(changed)s endret.",
          created=len(staged.preview.created), changed=len(staged.preview.changed)),
        "success",
    )  # fmt: skip
    return redirect(url_for("workspace.workbook", workbook_id=staged.workbook_id), code=303)


def _form_messages(form: ConfirmImportForm) -> list[str]:
    return [str(m) for messages in form.errors.values() for m in messages] or [
        _("Forhåndsvisningen mangler. Last opp filen på nytt.")
    ]


def _status(job: ExportJob) -> dict[str, Any]:
    ready = service.downloadable(job)
    return {
        "status": job.status,
        "progress": job.progress,
        "finished": job.status in (DONE, FAILED),
        "error": _(job.error) if job.error else None,
        "download_url": url_for("exports.download", job_id=job.id) if ready else None,
    }


@bp.get("/<int:job_id>")
def job(job_id: int) -> tuple[str, int]:
    job = ExportJob.get_for_org_or_404(g.org, job_id)
    expired = job.status == DONE and job.is_expired()
    return render_template(
        "exports/job.html",
        org=g.org,
        membership=g.membership,
        job=job,
        state=_status(job),
        expired=expired,
    ), 200


@bp.get("/<int:job_id>/status")
def status(job_id: int) -> Response:
    response = jsonify(_status(ExportJob.get_for_org_or_404(g.org, job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>/download")
def download(job_id: int) -> tuple[str, int] | Response:
    job = ExportJob.get_for_org_or_404(g.org, job_id)
    if job.status == DONE and (job.is_expired() or not service.job_file(job).is_file()):
        page = render_template("exports/expired.html", org=g.org, membership=g.membership, job=job)
        return page, 410
    if job.status != DONE:
        return redirect(url_for("exports.job", job_id=job.id))
    name = storage.download_name(job.title, job.format)
    response = send_file(
        service.job_file(job), mimetype=storage.MIME_TYPES[job.format], max_age=0, etag=False
    )
    response.headers["Content-Disposition"] = storage.content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Excel back in, as the pages use it: preview an upload, keep it server-side under a signed
token, and apply exactly that preview when the editor confirms.

The uploaded bytes wait under `EXPORT_DIR/imports/<random hex>.xlsx` (the name is ours, never
the user's). The token the confirm form carries is signed with the app's secret and names the
file, the organisation, the workbook, the editor and the workbook's version at preview time;
it expires after an hour and the file is deleted once applied (beat removes forgotten ones).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.accounts.models import User
from portal.exports import builder, importer, storage
from portal.exports.import_preview import Change, Members, Preview, preview
from portal.exports.service import ExportError
from portal.orgs import service as orgs
from portal.orgs.models import Organization
from portal.workspace import importing

STAGE_SECONDS = 3600
_SALT = "veivalg.exports.import"
# Layout sheet → (workspace kind, layout column → model attribute where they differ).
_KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "goals": ("goal", {"unit": "indicator_unit", "owner": "owner_id"}),
    "measures": ("measure", {"owner": "owner_id", "start": "start_date", "end": "end_date"}),
    "benefits": ("benefit", {"type": "kind", "owner": "owner_id"}),
    "risks": ("risk", {"owner": "owner_id"}),
}
# Text columns the workspace stores as "" rather than nothing.
_TEXT = {"title", "description", "business_goal", "indicator_unit", "mitigation"}


@dataclass
class Staged:
    """A preview and, when it can be applied, the token its confirm form carries."""

    workbook_id: int
    preview: Preview
    token: str | None = None
    stale: bool = False  # the workbook changed after the first preview: this one is fresh
    applied: bool = False


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _members(org: Organization) -> Members:
    found: Members = {}
    for membership in orgs.members(org):
        user = membership.user
        for key in {(user.name or "").strip().lower(), user.email.strip().lower()} - {""}:
            found.setdefault(key, []).append(user.id)
    return found


def _read(data: bytes) -> importer.Parsed:
    try:
        return importer.read_workbook(data)
    except importer.ImportRefused as exc:
        raise ExportError(str(exc)) from exc


def _version(org: Organization, workbook_id: int) -> int:
    try:
        return importing.workbook_version(org, workbook_id)
    except LookupError as exc:
        raise ExportError(str(builder.WorkbookNotFound())) from exc


def _compare(
    org: Organization, workbook_id: int, parsed: importer.Parsed, language: str
) -> Preview:
    try:
        doc = builder.build_document(org, workbook_id, None, language)
    except builder.WorkbookNotFound as exc:
        raise ExportError(str(exc)) from exc
    return preview(doc, parsed, _members(org))


def _stage(org: Organization, user: User, workbook_id: int, version: int, name: str) -> str:
    payload = {"f": name, "o": org.id, "w": workbook_id, "u": user.id, "v": version}
    return str(_serializer().dumps(payload))


def preview_import(
    org: Organization, user: User, workbook_id: int, data: bytes, language: str
) -> Staged:
    """What an uploaded spreadsheet would change in the workbook; nothing is written to the
    workbook. A clean preview with changes keeps the file for the confirm and gets a token.

    A file that is not a bounded, formula-free XLSX, or a workbook that is not the
    organisation's, is an ExportError with a sentence.
    """
    parsed = _read(data)  # a bad file is named before any database work
    # The version is read before the rows, so a change in between makes the preview stale
    # (and shown again) rather than silently older than its version.
    version = _version(org, workbook_id)
    result = _compare(org, workbook_id, parsed, language)
    staged = Staged(workbook_id, result)
    if result.ok and not result.empty:
        name = storage.new_upload_name()
        storage.write_atomically(storage.staged_upload(name), data)
        staged.token = _stage(org, user, workbook_id, version, name)
    return staged


def _unstage(org: Organization, user: User, token: str) -> tuple[dict[str, Any], Path]:
    expired = ExportError(
        _("Forhåndsvisningen er utløpt eller allerede tatt inn. Last opp filen på nytt.")
    )
    try:
        payload = _serializer().loads(token, max_age=STAGE_SECONDS)
    except BadSignature as exc:  # SignatureExpired is a BadSignature
        raise expired from exc
    if not isinstance(payload, dict) or (payload.get("o"), payload.get("u")) != (org.id, user.id):
        raise expired
    try:
        path = storage.staged_upload(str(payload.get("f")))
    except ValueError as exc:
        raise expired from exc
    if not path.is_file():
        raise expired
    return payload, path


def confirm_import(org: Organization, user: User, token: str, language: str) -> Staged:
    """Apply a previewed upload in the caller's transaction, exactly as previewed.

    Only the editor who uploaded it, in the same organisation, within the hour, once. If the
    workbook changed since the preview, nothing is written and a fresh preview (with a new
    token) comes back instead; a preview with problems writes nothing either.
    """
    payload, path = _unstage(org, user, token)
    workbook_id = int(payload["w"])
    parsed = _read(path.read_bytes())
    version = _version(org, workbook_id)
    result = _compare(org, workbook_id, parsed, language)
    staged = Staged(workbook_id, result)
    if version != payload["v"]:
        staged.stale = True
        if result.ok and not result.empty:
            staged.token = _stage(org, user, workbook_id, version, str(payload["f"]))
        return staged
    if result.ok and not result.empty:
        rows, readings = _changes(result)
        importing.apply(org, user, workbook_id, version, rows, readings)
        staged.applied = True
    path.unlink(missing_ok=True)
    return staged


def _changes(result: Preview) -> tuple[list[importing.RowChange], list[importing.Reading]]:
    rows, readings = [], []
    for change in [*result.created, *result.changed]:
        if change.sheet == "measurements":
            values = change.values
            readings.append(
                importing.Reading(values["goal_id"], values["date"], values["value"],
                                  values["note"])
            )  # fmt: skip
        else:
            rows.append(_row(change))
    return rows, readings


def _row(change: Change) -> importing.RowChange:
    kind, renamed = _KINDS[change.sheet]
    row = importing.RowChange(kind, change.id)
    for key, value in change.values.items():
        if key == "goal_ids":
            row.goal_ids = list(value or [])
        elif key == "measure_ids":
            row.measure_ids = list(value or [])
        else:
            attribute = renamed.get(key, key)
            row.values[attribute] = "" if value is None and attribute in _TEXT else value
    return row


def purge_staged(now: float | None = None) -> int:
    """Delete uploads whose preview was never confirmed (older than the token's hour)."""
    folder = storage.export_dir() / "imports"
    if not folder.is_dir():
        return 0
    cutoff = (now or time.time()) - STAGE_SECONDS - 60
    removed = 0
    for path in folder.glob("*.xlsx"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed

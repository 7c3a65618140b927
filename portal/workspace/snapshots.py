"""Adopted versions: a named, immutable snapshot of the whole workbook, and comparing one
with the current state as changes a person can read."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, defer

from portal.accounts.models import User
from portal.extensions import db, listen_once
from portal.orgs.models import Organization
from portal.workspace import activity, documents, labels
from portal.workspace.errors import WorkspaceError
from portal.workspace.models import Snapshot, Workbook
from portal.workspace.service import touch


class SnapshotImmutable(RuntimeError):
    """Raised when code tries to change an adopted version."""


def _refuse_update(mapper: Mapper[Any], connection: Connection, target: Snapshot) -> None:
    # The database refuses too (append-only for the runtime role); this names the mistake.
    raise SnapshotImmutable(f"snapshot {target.id} is immutable")


def install() -> None:
    """Make the ORM refuse to update a snapshot (create_app calls this once)."""
    listen_once(Snapshot, "before_update", _refuse_update)


def adopt(org: Organization, actor: User, workbook: Workbook, name: str) -> Snapshot:
    """Freeze the workbook as it is now under `name`, and mark the workbook adopted."""
    if workbook.status == "adopted":
        raise WorkspaceError(_("Arbeidsboken er allerede vedtatt. Sett den under revisjon først."))
    before = labels.text(labels.WORKBOOK_STATUS, workbook.status)
    workbook.status = "adopted"
    touch(workbook)
    snapshot = Snapshot(
        org_id=org.id,
        workbook_id=workbook.id,
        name=name,
        data=documents.full(org, workbook),
        adopted_by_id=actor.id,
    )
    db.session.add(snapshot)
    db.session.flush()
    activity.record(
        org, actor, "snapshot.adopted", name,
        {"status": before}, {"status": labels.text(labels.WORKBOOK_STATUS, "adopted")},
    )  # fmt: skip
    return snapshot


def snapshots(org: Organization, workbook: Workbook) -> list[Snapshot]:
    """The workbook's adopted versions, newest first, without their data (loaded on use)."""
    return list(
        db.session.scalars(
            Snapshot.select_for(org)
            .options(defer(Snapshot.data))
            .where(Snapshot.workbook_id == workbook.id)
            .order_by(Snapshot.created_at.desc(), Snapshot.id.desc())
        )
    )


def adopted_versions(org: Organization) -> list[Snapshot]:
    """Every adopted version of the organisation's workbooks in one statement, newest first
    within each workbook, without their data (for pickers)."""
    return list(
        db.session.scalars(
            Snapshot.select_for(org)
            .options(defer(Snapshot.data))
            .order_by(Snapshot.workbook_id, Snapshot.created_at.desc(), Snapshot.id.desc())
        )
    )


def snapshot_of(org: Organization, workbook: Workbook, snapshot_id: int) -> Snapshot:
    snapshot = Snapshot.get_for_org_or_404(org, snapshot_id)
    if snapshot.workbook_id != workbook.id:
        abort(404)
    return snapshot


# --- Comparison -----------------------------------------------------------------------------


def _collections() -> tuple[tuple[str, str, str], ...]:
    return (
        ("goals", "title", _("mål")),
        ("measures", "title", _("tiltak")),
        ("benefits", "description", _("gevinst")),
        ("risks", "description", _("risiko")),
        ("items", "title", _("punkt")),
    )


def _fields() -> dict[str, str]:
    return {
        "title": _("tittel"), "description": _("beskrivelse"), "status": _("status"),
        "indicator_unit": _("indikator"), "baseline": _("utgangsverdi"),
        "target": _("målverdi"), "target_date": _("måldato"), "owner": _("ansvarlig"),
        "effect": _("effekt"), "effort": _("innsats"), "priority": _("prioritet"),
        "start_date": _("start"), "end_date": _("slutt"), "investment_nok": _("investering"),
        "operating_nok": _("årlig drift"), "probability": _("sannsynlighet"),
        "consequence": _("konsekvens"), "mitigation": _("risikoreduserende tiltak"),
        "kind": _("type"), "amount_nok": _("beløp"), "latest_value": _("siste måling"),
        "text": _("tekst"), "business_goal": _("virksomhetsmål"),
    }  # fmt: skip


def _show(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if key == "status":
        return labels.text({**labels.MEASURE_STATUS, **labels.WORKBOOK_STATUS}, value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed from `old` to `new` (both documents.full data), one sentence each."""
    fields = _fields()
    changes: list[str] = []
    ow, nw = old["workbook"], new["workbook"]
    for key, label in (("title", _("Tittel")), ("period_from", _("Planperiode fra")),
                       ("period_to", _("Planperiode til")), ("status", _("Status"))):  # fmt: skip
        if ow.get(key) != nw.get(key):
            changes.append(_("%(f)s: %(a)s → %(b)s", f=label, a=_show(key, ow.get(key)),
                             b=_show(key, nw.get(key))))  # fmt: skip
    old_sections = {s["key"]: s for s in old.get("sections", [])}
    for section in new.get("sections", []):
        before = old_sections.get(section["key"], {}).get("prose_md", "")
        if before != section.get("prose_md", ""):
            title = labels.localised(section["title"], "nb")
            changes.append(_("Teksten i «%(s)s» er endret.", s=title))
    for collection, name_key, noun in _collections():
        before_rows = {r["id"]: r for r in old.get(collection, [])}
        after_rows = {r["id"]: r for r in new.get(collection, [])}
        for rid, row in after_rows.items():
            name = _show(name_key, row.get(name_key))
            if rid not in before_rows:
                changes.append(_("Lagt til %(n)s: «%(t)s».", n=noun, t=name))
                continue
            diffs = [
                _("%(f)s %(a)s → %(b)s", f=fields.get(k, k), a=_show(k, before_rows[rid].get(k)),
                  b=_show(k, v))
                for k, v in row.items()
                if k in fields and before_rows[rid].get(k) != v
            ]  # fmt: skip
            if diffs:
                changes.append(
                    _("Endret %(n)s «%(t)s»: %(d)s.", n=noun, t=name, d="; ".join(diffs))
                )
        for rid, row in before_rows.items():
            if rid not in after_rows:
                changes.append(
                    _("Fjernet %(n)s: «%(t)s».", n=noun, t=_show(name_key, row.get(name_key)))
                )
    return changes

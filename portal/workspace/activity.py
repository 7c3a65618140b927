"""The workspace's changes in the organisation's audit log, told back as readable sentences."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.orgs import audit, audit_text
from portal.orgs.models import Organization, OrgAuditEntry

PREFIX = "workspace."

THINGS = {
    "workbook": _l("arbeidsboken"),
    "section": _l("delen"),
    "item": _l("punktet"),
    "goal": _l("målet"),
    "measurement": _l("en måling på"),
    "measure": _l("tiltaket"),
    "benefit": _l("gevinsten"),
    "risk": _l("risikoen"),
    "comment": _l("en kommentar på"),
    "snapshot": _l("versjonen"),
}
VERBS = {
    "created": _l("opprettet"),
    "added": _l("la til"),
    "updated": _l("endret"),
    "removed": _l("fjernet"),
    "saved": _l("skrev i"),
    "status": _l("endret status på"),
    "adopted": _l("vedtok"),
}
FIELDS = {
    "title": _l("tittel"),
    "status": _l("status"),
    "period": _l("planperiode"),
    "owner": _l("ansvarlig"),
    "effect": _l("effekt"),
    "effort": _l("innsats"),
    "priority": _l("prioritet"),
    "start": _l("start"),
    "end": _l("slutt"),
    "target": _l("målverdi"),
    "baseline": _l("utgangsverdi"),
    "unit": _l("indikator"),
    "value": _l("verdi"),
    "text": _l("tekst"),
    "probability": _l("sannsynlighet"),
    "consequence": _l("konsekvens"),
    "goals": _l("mål"),
    "measures": _l("tiltak"),
    "owner_of": _l("ansvarlig"),
    "description": _l("beskrivelse"),
    "business_goal": _l("virksomhetsmål"),
    "target_date": _l("måldato"),
    "investment": _l("investering"),
    "operating": _l("årlig drift"),
    "milestones": _l("milepæler"),
    "kind": _l("type"),
    "priced": _l("prissatt"),
    "amount": _l("beløp per år"),
    "goal": _l("indikator (mål)"),
    "mitigation": _l("tiltak mot risikoen"),
    "box": _l("felt"),
    "influence": _l("innflytelse"),
    "interest": _l("interesse"),
    "note": _l("notat"),
}
# Free text: the log keeps a short excerpt around the first difference, never the whole text.
LONG = frozenset({"description", "business_goal", "mitigation", "text", "note"})
EXCERPT = 60  # characters of a long text shown on each side of "→"
_LEAD = 20  # of them before the first difference


def record(
    org: Organization,
    actor: User | None,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> OrgAuditEntry:
    """Log one workspace change ("goal.updated") with only the fields that changed."""
    return audit.record(org, actor, PREFIX + action, target[:200], before or None, after or None)


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose value differs, as (before, after); long texts as excerpts."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    old, new = {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
    for key in LONG.intersection(keys):
        old[key], new[key] = excerpts(old[key] or "", new[key] or "")
    return old, new


def excerpts(old: str, new: str) -> tuple[str, str]:
    """Short excerpts of two versions of a text around where they start to differ, so that
    a change on page ten still shows as a change ("…dag → …uke")."""
    same = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                min(len(old), len(new)))  # fmt: skip
    start = max(0, same - _LEAD)
    return _cut(old, start), _cut(new, start)


def excerpt(text: str) -> str:
    """The start of a long text (a new item's, a new section's)."""
    return _cut(text, 0)


def _cut(text: str, start: int) -> str:
    if not text:
        return ""
    # Whole words at the edges would be nicer; a fixed window is predictable and cheap.
    piece = " ".join(text[start : start + EXCERPT].split())
    return ("…" if start else "") + piece + ("…" if len(text) > start + EXCERPT else "")


def describe(entry: OrgAuditEntry) -> str:
    """ "Kari Nordmann endret tiltaket «Ny sak»: status planlagt → pågår." """
    who = entry.actor.name if entry.actor is not None else _("Systemet")
    thing, _sep, verb = entry.action.removeprefix(PREFIX).partition(".")
    sentence = _(
        "%(who)s %(verb)s %(thing)s «%(target)s»",
        who=who,
        verb=VERBS.get(verb, verb),
        thing=THINGS.get(thing, thing),
        target=entry.target or "",
    )
    before, after = entry.before or {}, entry.after or {}
    parts = [
        f"{FIELDS.get(key, key)}: {_show(key, before.get(key))} → {_show(key, after.get(key))}"
        if key in before
        else f"{FIELDS.get(key, key)}: {_show(key, after.get(key))}"
        for key in after
    ]
    return sentence + (": " + "; ".join(parts) if parts else "") + "."


def _show(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return f"«{value}»" if key in LONG else str(value)


def describe_known(entry: OrgAuditEntry) -> str | None:
    """describe() for the workspace's own kinds of event, None for any other."""
    thing, _sep, verb = entry.action.removeprefix(PREFIX).partition(".")
    return describe(entry) if thing in THINGS and verb in VERBS else None


# The organisation's log (orgs/audit_text.py) tells workspace events with the same sentences.
audit_text.DESCRIBERS[PREFIX] = describe_known

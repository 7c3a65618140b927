"""The workspace's changes in the organisation's audit log, told back as readable sentences."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.orgs import audit
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
}


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
    """The fields whose value differs, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


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
        f"{FIELDS.get(key, key)}: {_show(before.get(key))} → {_show(after.get(key))}"
        for key in after
        if key in before
    ]
    return sentence + (": " + "; ".join(parts) if parts else "") + "."


def _show(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)

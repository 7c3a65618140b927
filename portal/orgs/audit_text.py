"""The organisation log in words: each event as a sentence, each changed value as before → after."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.models import OrgAuditEntry

# Roles as they read inside a sentence ("som medlem", "fra medlem til redaktør").
ROLE_WORDS = {
    "member": _l("medlem"),
    "editor": _l("redaktør"),
    "admin": _l("administrator"),
    "owner": _l("eier"),
}
# Names of the values an event may change, as the settings page calls them.
FIELD_LABELS = {
    "name": _l("Navn"),
    "org_number": _l("Organisasjonsnummer"),
    "billing_email": _l("E-post for faktura"),
    "seats": _l("Plasser"),
    "role": _l("Rolle"),
    "domain": _l("E-postdomene"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditLine:
    """One log entry as a person reads it."""

    entry: OrgAuditEntry
    sentence: str
    changes: list[Change] = field(default_factory=list)


def role_word(role: Any) -> str:
    return str(ROLE_WORDS.get(str(role), role or "–"))


def _value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    return role_word(value) if key == "role" else str(value)


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    before, after = before or {}, after or {}
    return [
        Change(
            str(FIELD_LABELS.get(key, key)),
            _value(key, before.get(key)),
            _value(key, after.get(key)),
        )
        for key in [*before, *(k for k in after if k not in before)]
        if key in FIELD_LABELS and before.get(key) != after.get(key)
    ]


Words = dict[str, str]
# action → the sentence; `w` holds actor, target, role, before and after as words.
SENTENCES: dict[str, Callable[[Words], str]] = {
    "org.created": lambda w: _("%(actor)s opprettet organisasjonen", **w),
    "org.settings_changed": lambda w: _("%(actor)s endret innstillingene", **w),
    "org.seat_limit_changed": lambda w: _(
        "%(actor)s endret antall plasser fra %(before)s til %(after)s", **w
    ),
    "org.deleted": lambda w: _("%(actor)s slettet organisasjonen", **w),
    "org.restored": lambda w: _("%(actor)s gjenopprettet organisasjonen", **w),
    "org.ownership_transferred": lambda w: _(
        "%(actor)s overlot eierskapet til %(target)s og ble administrator", **w
    ),
    "member.added": lambda w: _("%(actor)s la til %(target)s som %(role)s", **w),
    "invitation.accepted": lambda w: _(
        "%(target)s takket ja til invitasjonen og ble %(role)s", **w
    ),
    "member.joined_by_domain": lambda w: _(
        "%(target)s ble med gjennom e-postdomenet og ble %(role)s", **w
    ),
    "member.role_changed": lambda w: _(
        "%(actor)s endret rollen til %(target)s fra %(before)s til %(after)s", **w
    ),
    "member.left": lambda w: _("%(target)s gikk ut av organisasjonen", **w),
    "member.removed": lambda w: _("%(actor)s fjernet %(target)s fra organisasjonen", **w),
    "invitation.sent": lambda w: _("%(actor)s inviterte %(target)s som %(role)s", **w),
    "invitation.resent": lambda w: _("%(actor)s sendte invitasjonen til %(target)s på nytt", **w),
    "invitation.revoked": lambda w: _("%(actor)s trakk tilbake invitasjonen til %(target)s", **w),
    "domain.added": lambda w: _("%(actor)s la til e-postdomenet %(target)s", **w),
    "domain.removed": lambda w: _("%(actor)s fjernet e-postdomenet %(target)s", **w),
    "billing.seats_changed": lambda w: _(
        "%(actor)s endret antall betalte plasser fra %(before)s til %(after)s", **w
    ),
    "billing.checkout_rejected": lambda w: _(
        "En betaling ble avvist fordi den ikke hørte til denne organisasjonen", **w
    ),
}
# Events whose before → after is already in the sentence.
_SAID_IN_SENTENCE = {
    "org.seat_limit_changed",
    "member.role_changed",
    "billing.seats_changed",
    "member.added",
    "invitation.accepted",
    "member.joined_by_domain",
    "invitation.sent",
    "member.left",
    "member.removed",
    "domain.added",
    "domain.removed",
    "billing.checkout_rejected",
    "org.ownership_transferred",
    "org.created",
}


# Other domains tell their own events (prefix → the whole sentence, before → after included,
# or None for an event they do not know): the workspace registers its own on import.
DESCRIBERS: dict[str, Callable[[OrgAuditEntry], str | None]] = {}


def _told_elsewhere(entry: OrgAuditEntry) -> str | None:
    for prefix, tell in DESCRIBERS.items():
        if entry.action.startswith(prefix):
            return tell(entry)
    return None


def _names(entries: Sequence[OrgAuditEntry]) -> dict[str, str]:
    # Targets are stored as e-mail addresses: show the person's name where we know it.
    emails = {e.target.lower() for e in entries if e.target and "@" in e.target}
    if not emails:
        return {}
    rows = db.session.execute(
        select(func.lower(User.email), User.name).where(func.lower(User.email).in_(emails))
    ).all()
    return {email: name for email, name in rows if name}


def _pair_word(values: dict[str, Any] | None) -> str:
    # The one interesting value of a before/after pair such as {"role": "member"}.
    if values and "role" in values:
        return role_word(values["role"])
    if values and "seats" in values:
        return str(values["seats"])
    return "–"


def describe(entries: Sequence[OrgAuditEntry]) -> list[AuditLine]:
    """Turn log entries into sentences ("Astrid Admin endret rollen til Erik fra medlem til
    redaktør") and lists of changed values; unknown events still read as words."""
    names = _names(entries)
    lines = []
    for entry in entries:
        told = _told_elsewhere(entry)
        if told is not None:
            lines.append(AuditLine(entry, told))
            continue
        target = entry.target or ""
        role = (entry.after or {}).get("role") or (entry.before or {}).get("role")
        words = {
            "actor": (entry.actor.name or entry.actor.email) if entry.actor else _("Veivalg"),
            "target": names.get(target.lower(), target),
            "role": role_word(role),
            "before": _pair_word(entry.before),
            "after": _pair_word(entry.after),
        }
        sentence = SENTENCES.get(entry.action)
        text = sentence(words) if sentence else _("%(actor)s gjorde en endring", **words)
        changes = [] if entry.action in _SAID_IN_SENTENCE else _changes(entry.before, entry.after)
        lines.append(AuditLine(entry, text, changes))
    return lines

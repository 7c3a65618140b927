"""Canaries for the leak sweeps: unique words planted in private data, one planter per kind.

A domain that keeps an organisation's private text (invitations, audit, workbooks, exports…)
registers a planter here, next to the others below; the sweep in tests/sweeps plants every
registered kind in both standing tenants and crawls the site for the words.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from portal.extensions import db
from portal.orgs import audit, invitations
from tests.support.tenants import ID_KINDS, Tenant


@dataclass(frozen=True)
class Canary:
    word: str
    where: str


PLANTERS: dict[str, Callable[[Tenant, str], None]] = {}


def register_canary(kind: str, plant: Callable[[Tenant, str], None]) -> None:
    """Teach the sweep a kind of private text: plant(tenant, word) puts `word` in it (flushed)."""
    PLANTERS[kind] = plant


def new_word(label: str) -> str:
    """One lowercase token the search index keeps whole (letters and digits only)."""
    return f"kanari{label}{secrets.token_hex(5)}"


def plant_all(tenant: Tenant) -> list[Canary]:
    """A fresh word in every registered kind of the tenant's private data, plus the markers the
    tenancy sweep's id kinds give (tests/support/tenants.py); the org's name is public."""
    canaries = []
    for kind, plant in PLANTERS.items():
        word = new_word(kind.replace("_", ""))
        plant(tenant, word)
        canaries.append(Canary(word, f"{tenant.org.slug}:{kind}"))
    for kind in ID_KINDS.values():
        canaries += [Canary(m, f"{tenant.org.slug}:{kind.name}") for m in kind.populate(tenant)]
    db.session.flush()
    return canaries


def _invitation(t: Tenant, word: str) -> None:
    invitations.invite(t.org, t.owner, f"{word}@invited.example.org", "member")


def _audit(t: Tenant, word: str) -> None:
    audit.record(t.org, t.owner, "member.added", target=word, after={"note": word})


register_canary("invitation", _invitation)
register_canary("audit", _audit)

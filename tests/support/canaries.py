"""Canaries for the leak sweeps: unique words planted in private data, one planter per kind.

A domain that keeps an organisation's private text (invitations, audit, workbooks, exports…)
registers a planter here, next to the others below; the sweep in tests/sweeps plants every
registered kind in both standing tenants and crawls the site for the words.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from portal.exports import service as exports_service
from portal.exports.models import DONE as EXPORT_DONE
from portal.extensions import db
from portal.orgs import audit, invitations, scoping
from portal.workspace import service as workspace_service
from portal.workspace import snapshots
from portal.workspace.models import SectionContent, Workbook
from tests.support.filetext import file_text
from tests.support.tenants import ID_KINDS, Tenant
from tests.workspace.factories import add_goal, make_workbook

EXPORT_FORMATS = ("pdf", "docx", "xlsx", "md")


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


def _workbook(t: Tenant) -> tuple[Workbook, SectionContent]:
    """The tenant's canary workbook (made on first use) and its first section."""
    with scoping.org_scope(t.org):
        workbook = db.session.scalar(
            select(Workbook).where(Workbook.title == "Kanaribok").order_by(Workbook.id)
        ) or make_workbook(t, "Kanaribok")
        section = db.session.scalar(
            select(SectionContent)
            .where(SectionContent.workbook_id == workbook.id)
            .order_by(SectionContent.id)
        )
    return workbook, section


def _section(t: Tenant, word: str) -> None:
    workbook, section = _workbook(t)
    with scoping.org_scope(t.org):
        workspace_service.save_section(
            t.org, t.owner, workbook, section, f"Et avsnitt bare for oss: {word}.", section.version
        )


def _comment(t: Tenant, word: str) -> None:
    workbook, section = _workbook(t)
    with scoping.org_scope(t.org):
        workspace_service.add_comment(
            t.org, t.owner, workbook, section.section_key, f"En intern merknad: {word}"
        )


def _snapshot(t: Tenant, word: str) -> None:
    # After the section and the comment: the adopted version carries their words too.
    workbook, _ = _workbook(t)
    with scoping.org_scope(t.org):
        snapshots.adopt(t.org, t.owner, workbook, f"Versjon {word}")


def _exports(t: Tenant, word: str) -> None:
    """A goal in the canary workbook (so the word is in every format, the spreadsheet too), then
    the workbook exported as PDF, Word, Excel and Markdown by the job runner the worker uses.
    Each file must hold the word: a sweep of files that never had it would prove nothing."""
    workbook, _ = _workbook(t)
    add_goal(t, workbook, f"Eksportmål {word}")
    for fmt in EXPORT_FORMATS:
        with scoping.org_scope(t.org):
            job = exports_service.request_export(t.org, t.owner, workbook.id, fmt, "nb")
            job_id = job.id
        db.session.flush()
        assert exports_service.run_job(job_id) == EXPORT_DONE, fmt
        with scoping.org_scope(t.org):
            path = exports_service.job_file(db.session.get_one(type(job), job_id))
        assert word in file_text(path.read_bytes(), fmt), f"{fmt} export without its canary"


register_canary("invitation", _invitation)
register_canary("audit", _audit)
register_canary("workbook_section", _section)
register_canary("workbook_comment", _comment)
register_canary("workbook_snapshot", _snapshot)
register_canary("export_files", _exports)

"""Workspace pages (a workbook's overview and dashboard, the front) whose own blocks are
rendered once per version of what they show, and kept.

A request reads a head in one small statement after the tenant guard – the workbook's
version, or for the front every workbook's version and the newest activity – and the page's
own blocks (portal/content/fragments.py: render_blocks / render_page) come from
`cache.blocks()` under (page, that head, day, language, viewer class). The viewer class is
what the blocks may differ by between members: may edit, may comment, read-only (asked fresh
on every request). The layouts around the blocks (the header, the organisation's tabs, the
breadcrumbs, the read-only notice) are rendered per request.

The blocks hold nothing of one person: they are rendered with the same stand-in reader for
everyone, and each form's CSRF token is a slot that `_fill` replaces with this session's
token after the page is put together."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import abort, g, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import Integer, String, bindparam, column, func, select

from portal.content import fragments, pagecache
from portal.extensions import db
from portal.orgs import door
from portal.orgs.mixins import MAX_ID
from portal.orgs.models import PERMISSIONS, ROLE_RANK, Organization, OrgAuditEntry
from portal.templating import csrf_token
from portal.timeutil import UTCDateTime
from portal.workspace import activity, cache
from portal.workspace.blueprint import can_comment, can_edit, locale, read_only
from portal.workspace.models import Workbook

# A fresh secret per process, so no text in a workbook can forge the slot.
CSRF_SLOT = f"\ue000{secrets.token_hex(8)}csrf\ue001"
# Everyone who sees kept blocks is a logged-in member; nothing more of them reaches a block.
READER = fragments.Tier(full=True, authenticated=True, staff=False)


@dataclass(frozen=True)
class WorkbookHead:
    """What a request needs of a workbook before its blocks are known: the key and the
    breadcrumb."""

    id: int
    title: str
    version: int
    created_at: datetime

    @property
    def key(self) -> tuple[Hashable, ...]:
        # created_at too: an id can come back after a rolled-back insert (tests, SQLite).
        return ("workbook", self.id, self.created_at, self.version)


# Core, not ORM columns: a quarter of the CPU for the same statement (rows, no ORM loading).
_WORKBOOKS = Workbook.__table__.c
_HEAD = select(_WORKBOOKS.id, _WORKBOOKS.title, _WORKBOOKS.version, _WORKBOOKS.created_at).where(
    _WORKBOOKS.org_id == bindparam("org_id"), _WORKBOOKS.id == bindparam("workbook_id")
)


def _workbook_params(values: Mapping[str, Any]) -> dict[str, Any] | None:
    workbook_id = values.get("workbook_id")
    if not isinstance(workbook_id, int) or not 0 < workbook_id <= MAX_ID:
        return None  # the usual way, whose head answers 404
    return {"workbook_id": workbook_id}


def _workbook_answer(row: Sequence[Any]) -> WorkbookHead | None:
    return WorkbookHead(*row) if row[0] is not None else None


# The overview's and the dashboard's door reads the head too (migration 0013, door.looks):
# a warm page is the user loader's statement and this one, both in autocommit.
WORKBOOK_LOOK = door.Look(
    "SELECT * FROM workbook_door(:slug, :user_id, :at, :workbook_id)",
    (column("workbook_id", Integer), column("workbook_title", String),
     column("workbook_version", Integer), column("workbook_created_at", UTCDateTime())),
    _workbook_params,
    _workbook_answer,
)  # fmt: skip


def head(org: Organization, workbook_id: int) -> WorkbookHead:
    """The workbook's head in `org` (read by the door, else one statement; no ORM object),
    or 404."""
    found = door.seen(WORKBOOK_LOOK)
    if found is door.UNSEEN:
        if not 0 < workbook_id <= MAX_ID:
            abort(404)
        row = db.session.execute(_HEAD, {"org_id": org.id, "workbook_id": workbook_id}).first()
        found = WorkbookHead(*row) if row is not None else None
    if found is None or found.id != workbook_id:
        abort(404)
    g.workspace_crumb = found  # the layout's breadcrumb (blueprint.layout_context)
    return found


_AUDIT = OrgAuditEntry.__table__.c
_NEWEST = (
    select(func.max(_AUDIT.id).label("newest"))
    .where(_AUDIT.org_id == bindparam("org_id"), _AUDIT.action.like(bindparam("prefix")))
    .subquery()
)
_FRONT = (
    select(_NEWEST.c.newest, _WORKBOOKS.id, _WORKBOOKS.created_at, _WORKBOOKS.version)
    .select_from(_NEWEST)
    .outerjoin(Workbook.__table__, _WORKBOOKS.org_id == bindparam("org_id"))
    .order_by(_WORKBOOKS.updated_at.desc(), _WORKBOOKS.id)
)


def _front_answer(row: Sequence[Any]) -> tuple[Hashable, ...]:
    newest, ids, created, versions = row
    return ("front", newest, tuple(zip(ids or (), created or (), versions or (), strict=True)))


# The front's door reads its key too (migration 0013): the arrays in order of last change.
FRONT_LOOK = door.Look(
    "SELECT * FROM workspace_front_door(:slug, :user_id, :at, :prefix)",
    (column("newest_activity", Integer), column("workbook_ids"),
     column("workbook_created_ats"), column("workbook_versions")),
    lambda values: {"prefix": activity.PREFIX + "%"},
    _front_answer,
)  # fmt: skip


def front_key(org: Organization) -> tuple[Hashable, ...]:
    """What the workspace front shows changes with, in one statement (or the door's): every
    workbook's version in the order of their last change (completion, gaps and measures due
    follow the version) and the newest workspace activity (a comment changes no version)."""
    found = door.seen(FRONT_LOOK)
    if found is not door.UNSEEN:
        return found  # type: ignore[no-any-return]
    rows = db.session.execute(_FRONT, {"org_id": org.id, "prefix": activity.PREFIX + "%"}).all()
    workbooks = tuple((r.id, r.created_at, r.version) for r in rows if r.id is not None)
    return ("front", rows[0].newest if rows else None, workbooks)


def viewer_class() -> tuple[bool, bool, bool]:
    return can_edit(), can_comment(), read_only()


def with_slots(*forms: FlaskForm) -> None:
    """Render these forms' CSRF fields as the slot (filled per request by `_fill`)."""
    for form in forms:
        form.csrf_token.current_token = CSRF_SLOT  # type: ignore[attr-defined]


def page(name: str, key: tuple[Hashable, ...], build: Callable[[], dict[str, Any]]) -> str:
    """The page `name` for this viewer, its own blocks kept under `key` (a workbook head's
    key, or front_key) and the viewer's class, day and language.

    `build` reads what the blocks show and returns the template context (forms in it go
    through `with_slots`). With the cache off the page is rendered as usual.
    """
    kept = cache.blocks()
    if not kept.enabled:
        return _fill(render_template(name, **build()))
    key = (name, g.org.id, g.org.name, *key, date.today(), locale(), request.script_root,
           viewer_class())  # fmt: skip
    blocks = kept.get(key)
    if blocks is None:
        generation = pagecache.generation()
        context = {**build(), "csrf_token": lambda: CSRF_SLOT}
        blocks = fragments.render_blocks(name, READER, context)
        kept.put(key, blocks, fragments.size_of(blocks), generation=generation)
    return _fill(fragments.render_page(name, blocks, **layout_values()))


@dataclass(frozen=True)
class OrgFacts:
    """What the organisation layout shows of the organisation (a layout key, no ORM row)."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class RoleFacts:
    """What the organisation layout asks of the membership: its role's rights."""

    role: str

    def can(self, permission: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[PERMISSIONS[permission]]


@dataclass(frozen=True)
class Crumb:
    id: int
    title: str


def layout_values() -> dict[str, Any]:
    """Everything the workspace and organisation layouts read, as hashable facts: the base
    layout around a kept page is then kept too, under these (content/layout.py), and filled
    per request with the session's CSRF token."""
    crumb = g.get("workspace_crumb")
    return {
        "org": OrgFacts(g.org.id, g.org.slug, g.org.name),
        "membership": RoleFacts(g.membership.role),
        "read_only": read_only(),
        "workbook": Crumb(crumb.id, crumb.title) if crumb is not None else None,
    }


def _fill(page: str) -> str:
    return page.replace(CSRF_SLOT, csrf_token()) if CSRF_SLOT in page else page

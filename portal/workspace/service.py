"""Workbooks, their sections, items and comments: the operations views, CLI and tasks call.

Services add and flush, never commit; the request commits once. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.billing import entitlements
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from portal.workspace import activity, documents, labels
from portal.workspace.errors import ConflictError, WorkspaceError
from portal.workspace.models import (
    NEXT_STATUSES,
    Comment,
    Item,
    SectionContent,
    Snapshot,
    Template,
    Workbook,
)
from portal.workspace.prose import render_prose

# --- Access ---------------------------------------------------------------------------------


def is_read_only(org: Organization) -> bool:
    """A lapsed organisation's workspace is viewable and exportable, but nobody edits it."""
    return not entitlements.org_has_access(org)


# --- Templates and workbooks ----------------------------------------------------------------


def latest_templates() -> list[Template]:
    """The newest version of each template, for the picker."""
    newest = select(Template.key, func.max(Template.version).label("v")).group_by(Template.key)
    sub = newest.subquery()
    return list(
        db.session.scalars(
            select(Template)
            .join(sub, (Template.key == sub.c.key) & (Template.version == sub.c.v))
            .order_by(Template.key)
        )
    )


def workbooks(org: Organization) -> list[Workbook]:
    return list(db.session.scalars(Workbook.select_for(org).order_by(Workbook.updated_at.desc())))


def create_workbook(
    org: Organization,
    actor: User,
    template: Template,
    title: str,
    period_from: int | None,
    period_to: int | None,
) -> Workbook:
    """A new draft pinned to this template version."""
    _check_period(period_from, period_to)
    workbook = Workbook(
        org_id=org.id,
        template_id=template.id,
        title=title,
        period_from=period_from,
        period_to=period_to,
        created_by_id=actor.id,
    )
    workbook.template = template
    db.session.add(workbook)
    db.session.flush()
    for section in template.sections:
        db.session.add(
            SectionContent(org_id=org.id, workbook_id=workbook.id, section_key=section["key"])
        )
    db.session.flush()
    activity.record(org, actor, "workbook.created", title)
    return workbook


def _check_period(period_from: int | None, period_to: int | None) -> None:
    if period_from is not None and period_to is not None and period_to < period_from:
        raise WorkspaceError(_("Perioden kan ikke slutte før den begynner."))


def _period(workbook: Workbook) -> str:
    if workbook.period_from is None and workbook.period_to is None:
        return ""
    return f"{workbook.period_from or '…'}–{workbook.period_to or '…'}"


def update_workbook(
    org: Organization,
    actor: User,
    workbook: Workbook,
    title: str,
    period_from: int | None,
    period_to: int | None,
    based_on: int | None,
) -> None:
    """Change title and planning period; a save based on an older version is refused."""
    _check_period(period_from, period_to)
    if based_on is not None and based_on != workbook.version:
        raise WorkspaceError(
            _("Noen andre endret arbeidsboken mens du skrev. Last siden på nytt og prøv igjen.")
        )
    before = {"title": workbook.title, "period": _period(workbook)}
    workbook.title, workbook.period_from, workbook.period_to = title, period_from, period_to
    touch(workbook)
    old, new = activity.changes(before, {"title": title, "period": _period(workbook)})
    if new:
        activity.record(org, actor, "workbook.updated", workbook.title, old, new)


def change_status(org: Organization, actor: User, workbook: Workbook, status: str) -> None:
    """draft → under review → adopted → revised; adopting goes through snapshots.adopt."""
    if status not in NEXT_STATUSES.get(workbook.status, ()):
        raise WorkspaceError(_("Den statusen kan ikke velges herfra."))
    before = labels.text(labels.WORKBOOK_STATUS, workbook.status)
    workbook.status = status
    touch(workbook)
    activity.record(
        org, actor, "workbook.status", workbook.title,
        {"status": before}, {"status": labels.text(labels.WORKBOOK_STATUS, status)},
    )  # fmt: skip


def touch(workbook: Workbook) -> None:
    """Mark the workbook changed; its version column turns a concurrent change into a refusal."""
    workbook.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise WorkspaceError(
            _("Noen andre endret arbeidsboken samtidig. Last siden på nytt og prøv igjen.")
        ) from exc


# --- Sections -------------------------------------------------------------------------------


def section_of(org: Organization, workbook: Workbook, section_id: int) -> SectionContent:
    """The section with this id in this workbook of this organisation, or 404."""
    content = SectionContent.get_for_org_or_404(org, section_id)
    if content.workbook_id != workbook.id:
        abort(404)
    return content


def template_section(workbook: Workbook, key: str) -> dict[str, Any]:
    section = workbook.template.section(key)
    if section is None:
        raise WorkspaceError(_("Delen finnes ikke i malen."))
    return section


def save_section(
    org: Organization,
    actor: User,
    workbook: Workbook,
    content: SectionContent,
    prose_md: str,
    based_on: int | None,
) -> SectionContent:
    """Save a section's prose. `based_on` is the version the editor started from: if someone
    saved in between, ConflictError carries their text and nothing is overwritten."""
    prose_md = prose_md.replace("\r\n", "\n").replace("\x00", "")
    if based_on != content.version:
        raise ConflictError(content.prose_md, content.version, _author(content.updated_by))
    if content.prose_md == prose_md:
        return content
    old, new = activity.changes({"text": content.prose_md}, {"text": prose_md})
    content.prose_md = prose_md
    content.prose_html = render_prose(prose_md)
    content.updated_by = actor
    content.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as exc:
        # Another transaction saved the same section between our read and our write.
        raise ConflictError("", content.version + 1, "") from exc
    touch(workbook)
    title = _section_title(workbook, content.section_key)
    activity.record(org, actor, "section.saved", title, old, new)
    return content


def _author(user: User | None) -> str:
    return user.name if user is not None else _("ukjent")


def _section_title(workbook: Workbook, key: str) -> str:
    section = workbook.template.section(key) or {"title": {"nb": key}}
    return labels.localised(section["title"], "nb")


# --- Items (lists, grids, stakeholders) -----------------------------------------------------


def items(org: Organization, workbook: Workbook, section_key: str) -> list[Item]:
    return list(
        db.session.scalars(
            Item.select_for(org)
            .where(Item.workbook_id == workbook.id, Item.section_key == section_key)
            .order_by(Item.id)
        )
    )


def add_item(
    org: Organization,
    actor: User,
    workbook: Workbook,
    section_key: str,
    box_key: str | None,
    title: str,
    text: str,
    influence: int | None = None,
    interest: int | None = None,
) -> Item:
    """Add an entry to a list, a grid box or the stakeholder table."""
    section = template_section(workbook, section_key)
    boxes = [b["key"] for b in section.get("boxes", [])]
    if boxes and box_key not in boxes:
        raise WorkspaceError(_("Velg et av feltene."))
    item = Item(
        org_id=org.id,
        workbook_id=workbook.id,
        section_key=section_key,
        box_key=box_key if boxes else None,
        title=title,
        text=text,
        influence=influence if section["kind"] == "stakeholders" else None,
        interest=interest if section["kind"] == "stakeholders" else None,
    )
    db.session.add(item)
    db.session.flush()
    touch(workbook)
    activity.record(org, actor, "item.added", title, None, _item_display(section, item))
    return item


def _item_display(section: dict[str, Any], item: Item) -> dict[str, Any]:
    """What the log tells of a new item besides its title (its box, text and scores)."""
    boxes = {b["key"]: labels.localised(b.get("title"), "nb") for b in section.get("boxes", [])}
    shown = {
        "box": boxes.get(item.box_key or ""),
        "text": activity.excerpt(item.text or ""),
        "influence": item.influence,
        "interest": item.interest,
    }
    return {k: v for k, v in shown.items() if v not in (None, "")}


def remove_item(org: Organization, actor: User, workbook: Workbook, item: Item) -> None:
    db.session.delete(item)
    touch(workbook)
    activity.record(org, actor, "item.removed", item.title)


# --- Comments -------------------------------------------------------------------------------


def comments(org: Organization, workbook: Workbook, section_key: str) -> list[Comment]:
    return list(
        db.session.scalars(
            Comment.select_for(org)
            .where(Comment.workbook_id == workbook.id, Comment.section_key == section_key)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def add_comment(
    org: Organization,
    actor: User,
    workbook: Workbook,
    section_key: str,
    body: str,
    item_kind: str | None = None,
    item_id: int | None = None,
) -> Comment:
    """A comment on a section, or on one of its items (which must be this workbook's)."""
    template_section(workbook, section_key)
    comment = Comment(
        org_id=org.id,
        workbook_id=workbook.id,
        section_key=section_key,
        item_kind=item_kind,
        item_id=item_id,
        author_id=actor.id,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    activity.record(org, actor, "comment.added", _section_title(workbook, section_key))
    return comment


# --- People and activity --------------------------------------------------------------------


def owner_choices(org: Organization) -> list[tuple[int, str]]:
    """The organisation's members, who may own goals, measures, benefits and risks."""
    return [(m.user.id, m.user.name or m.user.email) for m in orgs_service.members(org)]


def check_owner(org: Organization, owner_id: int | None) -> int | None:
    """An owner must be a member of the organisation (another org's user id is refused)."""
    if not owner_id:
        return None
    member_ids = {user_id for user_id, _name in owner_choices(org)}
    if owner_id not in member_ids:
        raise WorkspaceError(_("Den ansvarlige må være medlem av organisasjonen."))
    return owner_id


def section_content_by_key(org: Organization, workbook: Workbook, key: str) -> SectionContent:
    content = db.session.scalar(
        SectionContent.select_for(org).where(
            SectionContent.workbook_id == workbook.id, SectionContent.section_key == key
        )
    )
    if content is None:
        abort(404)
    return content


def template_usage() -> list[tuple[Template, int]]:
    """Every stored template version with the number of workbooks (in all organisations)
    made from it: a marked cross-tenant count for staff."""
    counts = (
        select(Workbook.template_id, func.count().label("n"))
        .group_by(Workbook.template_id)
        .subquery()
    )
    query = (
        select(Template, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.template_id == Template.id)
        .order_by(Template.key, Template.version.desc())
    )
    with scoping.system_scope():
        return [(template, n) for template, n in db.session.execute(query)]


def workbook_document_data(
    org: Organization, workbook_id: int, snapshot_id: int | None = None
) -> dict[str, Any]:
    """The whole workbook (or one adopted version of it) as plain data for exports: dicts,
    lists, strings and numbers only (see docs/workspace.md). Another organisation's ids, or a
    snapshot of another workbook, raise LookupError. Works without a request (export tasks)."""
    workbook = db.session.scalar(Workbook.select_for(org).where(Workbook.id == workbook_id))
    if workbook is None:
        raise LookupError(workbook_id)
    if snapshot_id is None:
        return documents.full(org, workbook)
    snapshot = db.session.scalar(
        Snapshot.select_for(org).where(
            Snapshot.id == snapshot_id, Snapshot.workbook_id == workbook.id
        )
    )
    if snapshot is None:
        raise LookupError(snapshot_id)
    return {**snapshot.data, "snapshot": {"id": snapshot.id, "name": snapshot.name,
            "adopted_at": snapshot.created_at.isoformat()}}  # fmt: skip

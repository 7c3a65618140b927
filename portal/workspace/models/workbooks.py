"""Workbooks and their free-form parts: section prose, items in lists and grids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.mixins import OrgScoped
from portal.timeutil import UTCDateTime, utcnow
from portal.workspace.models.templates import Template

STATUSES = ("draft", "review", "adopted", "revised")
# draft → under review → adopted → revised (and a revised one may be adopted again).
NEXT_STATUSES = {
    "draft": ("review", "adopted"),
    "review": ("draft", "adopted"),
    "adopted": ("revised",),
    "revised": ("review", "adopted"),
}


class Workbook(OrgScoped, db.Model):
    """A strategy document made from one pinned template version."""

    __tablename__ = "workbooks"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint("period_from IS NULL OR period_from BETWEEN 1900 AND 2200", name="from"),
        CheckConstraint(
            "period_to IS NULL OR period_from IS NULL OR period_to >= period_from", name="period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("workspace_templates.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[int | None] = mapped_column(Integer)
    period_to: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking: a save names the version it was based on (see SectionContent).
    version: Mapped[int] = mapped_column(Integer, default=1)

    template: Mapped[Template] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class SectionContent(OrgScoped, db.Model):
    """A section's prose. `version` makes two editors' saves of one section collide visibly
    instead of the later silently overwriting the earlier."""

    __tablename__ = "workbook_sections"
    __table_args__ = (
        UniqueConstraint("workbook_id", "section_key", name="uq_workbook_sections_workbook_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(ForeignKey("workbooks.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(60))
    prose_md: Mapped[str] = mapped_column(Text, default="")
    prose_html: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    updated_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Item(OrgScoped, db.Model):
    """An entry of an item list, a grid box (SWOT, PESTEL) or a stakeholder table."""

    __tablename__ = "workbook_items"
    __table_args__ = (
        CheckConstraint("influence IS NULL OR influence BETWEEN 1 AND 5", name="influence"),
        CheckConstraint("interest IS NULL OR interest BETWEEN 1 AND 5", name="interest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(
        ForeignKey("workbooks.id", ondelete="CASCADE"), index=True
    )
    section_key: Mapped[str] = mapped_column(String(60))
    box_key: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    # Stakeholders only: influence and interest 1-5 (the role and involvement go in `text`).
    influence: Mapped[int | None] = mapped_column(Integer)
    interest: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Comment(OrgScoped, db.Model):
    """A comment on a section, or on one item of it (item_kind + item_id)."""

    __tablename__ = "workbook_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(
        ForeignKey("workbooks.id", ondelete="CASCADE"), index=True
    )
    section_key: Mapped[str] = mapped_column(String(60))
    item_kind: Mapped[str | None] = mapped_column(String(10))
    item_id: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class Snapshot(OrgScoped, db.Model):
    """An adopted version: the whole workbook as plain data, frozen (append-only on
    PostgreSQL, and the ORM refuses to update it)."""

    __tablename__ = "workbook_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(
        ForeignKey("workbooks.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    adopted_by: Mapped[User | None] = relationship(lazy="joined")

"""Workbook templates: versioned copies of the bundled YAML files (not tenant data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class Template(db.Model):
    """One version of a template; a workbook pins the row it was made from, so loading a new
    version never changes an existing workbook."""

    __tablename__ = "workspace_templates"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_workspace_templates_key_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def sections(self) -> list[dict[str, Any]]:
        return list(self.data.get("sections", []))

    def section(self, key: str) -> dict[str, Any] | None:
        return next((s for s in self.sections if s["key"] == key), None)

    def sections_of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [s for s in self.sections if s["kind"] == kind]

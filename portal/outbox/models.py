"""An outbox item: one unit of work a worker must carry out exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

PENDING = "pending"
# Claimed by a worker in its own committed step; the handler is running or has just run.
RUNNING = "running"
DONE = "done"
FAILED = "failed"


class OutboxItem(db.Model):
    __tablename__ = "outbox_items"
    __table_args__ = (Index("ix_outbox_items_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Dotted path "package.module:function" of the handler that does the work.
    handler: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxItem {self.id} {self.handler} {self.status}>"

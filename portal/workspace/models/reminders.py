"""Reminders already sent: the unique key makes each reminder go out once per item and period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.orgs.mixins import OrgScoped
from portal.timeutil import UTCDateTime, utcnow


class SentReminder(OrgScoped, db.Model):
    """`kind` is measure_overdue or indicator_unmeasured; `period` names the period reminded
    about (the measure's end date, the indicator's year), so a new period may remind again."""

    __tablename__ = "workspace_sent_reminders"
    __table_args__ = (
        UniqueConstraint("kind", "target_id", "period", name="uq_workspace_sent_reminders_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Measures (tiltak): what will be done, by whom, when, at what cost, towards which goals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.mixins import OrgScoped
from portal.timeutil import UTCDateTime, utcnow

MEASURE_STATUSES = ("planned", "in_progress", "done", "stopped")
PRIORITIES = (1, 2, 3)  # high, medium, low
MONEY = Numeric(14, 2)


class Measure(OrgScoped, db.Model):
    """A measure; effect and effort are 1-5, the end never before the start."""

    __tablename__ = "workbook_measures"
    __table_args__ = (
        CheckConstraint("effect IS NULL OR effect BETWEEN 1 AND 5", name="effect"),
        CheckConstraint("effort IS NULL OR effort BETWEEN 1 AND 5", name="effort"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date", name="dates"
        ),
        CheckConstraint("investment_nok IS NULL OR investment_nok >= 0", name="investment"),
        CheckConstraint("operating_nok IS NULL OR operating_nok >= 0", name="operating"),
        CheckConstraint(f"status IN {MEASURE_STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(
        ForeignKey("workbooks.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    priority: Mapped[int] = mapped_column(Integer, default=2)
    effect: Mapped[int | None] = mapped_column(Integer)
    effort: Mapped[int | None] = mapped_column(Integer)
    investment_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    operating_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    # [{"date": "2027-03-01", "title": "…"}], kept in date order.
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined")


class MeasureGoal(OrgScoped, db.Model):
    """A measure works towards a goal (both of the same workbook and organisation)."""

    __tablename__ = "measure_goals"

    measure_id: Mapped[int] = mapped_column(
        ForeignKey("workbook_measures.id", ondelete="CASCADE"), primary_key=True
    )
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("workbook_goals.id", ondelete="CASCADE"), primary_key=True, index=True
    )

"""Goals with an indicator, and their append-only measurements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.mixins import OrgScoped
from portal.timeutil import UTCDateTime, utcnow

AMOUNT = Numeric(16, 4)


class Goal(OrgScoped, db.Model):
    """A (digital) goal tied to a business goal, measured by one indicator."""

    __tablename__ = "workbook_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(
        ForeignKey("workbooks.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    business_goal: Mapped[str] = mapped_column(Text, default="")
    indicator_unit: Mapped[str] = mapped_column(String(60), default="")
    baseline: Mapped[Decimal | None] = mapped_column(AMOUNT)
    target: Mapped[Decimal | None] = mapped_column(AMOUNT)
    target_date: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined")

    @property
    def has_indicator(self) -> bool:
        return bool(self.indicator_unit) and self.target is not None

    def progress(self, latest: Decimal | None) -> float | None:
        """Share of the way from baseline to target (0-1, clamped), or None if unknown."""
        if latest is None or self.target is None:
            return None
        start = self.baseline if self.baseline is not None else Decimal(0)
        span = self.target - start
        if span == 0:
            return 1.0 if latest == self.target else 0.0
        return float(min(max((latest - start) / span, Decimal(0)), Decimal(1)))


class Measurement(OrgScoped, db.Model):
    """One reading of a goal's indicator; append-only (corrections are new readings)."""

    __tablename__ = "goal_measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("workbook_goals.id", ondelete="CASCADE"), index=True
    )
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(AMOUNT)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

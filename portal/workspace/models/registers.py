"""Benefits (gevinster) and risks of a workbook."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.orgs.mixins import OrgScoped
from portal.timeutil import UTCDateTime, utcnow
from portal.workspace.models.measures import MONEY

BENEFIT_KINDS = ("efficiency", "quality", "others")


class Benefit(OrgScoped, db.Model):
    """A benefit to realise: its owner, the measures that bring it and the goal that shows it."""

    __tablename__ = "workbook_benefits"
    __table_args__ = (
        CheckConstraint(f"kind IN {BENEFIT_KINDS!r}", name="kind"),
        CheckConstraint("amount_nok IS NULL OR amount_nok >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(
        ForeignKey("workbooks.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12), default="efficiency")
    priced: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("workbook_goals.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined")


class BenefitMeasure(OrgScoped, db.Model):
    """A measure that brings a benefit."""

    __tablename__ = "benefit_measures"

    benefit_id: Mapped[int] = mapped_column(
        ForeignKey("workbook_benefits.id", ondelete="CASCADE"), primary_key=True
    )
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("workbook_measures.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Risk(OrgScoped, db.Model):
    """A risk: probability and consequence 1-5 and what is done about it."""

    __tablename__ = "workbook_risks"
    __table_args__ = (
        CheckConstraint("probability BETWEEN 1 AND 5", name="probability"),
        CheckConstraint("consequence BETWEEN 1 AND 5", name="consequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(
        ForeignKey("workbooks.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    probability: Mapped[int] = mapped_column(Integer)
    consequence: Mapped[int] = mapped_column(Integer)
    mitigation: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined")

"""Billing records: plans, Stripe customers, the subscription mirror, checkouts, events, grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

# Stripe subscription statuses that give access (past_due with a banner).
ACCESS_STATUSES = frozenset({"active", "trialing", "past_due"})
OWNER_CHECK = "(user_id IS NULL) <> (org_id IS NULL)"


class Plan(db.Model):
    """A price we sell, tied to a Stripe price by its lookup key (our `code`)."""

    __tablename__ = "billing_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # individual | organisation
    interval: Mapped[str] = mapped_column(String(10))  # month | year
    name: Mapped[str] = mapped_column(String(120))
    amount_ore: Mapped[int] = mapped_column(Integer)  # excluding VAT, per seat for organisations
    currency: Mapped[str] = mapped_column(String(3), default="nok")
    stripe_product_id: Mapped[str | None] = mapped_column(String(100))
    stripe_price_id: Mapped[str | None] = mapped_column(String(100), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def per_seat(self) -> bool:
        return self.kind == "organisation"


class BillingCustomer(db.Model):
    """A Stripe customer we created, bound to exactly one user or one organisation."""

    __tablename__ = "billing_customers"
    __table_args__ = (CheckConstraint(OWNER_CHECK, name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(100), unique=True)
    # The binding goes with its owner (after deletion has cancelled the subscription).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Subscription(db.Model):
    """Our mirror of one Stripe subscription; Stripe stays the source of truth."""

    __tablename__ = "billing_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_subscription_id: Mapped[str] = mapped_column(String(100), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(100), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("billing_plans.id"))
    status: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    trial_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_live(self) -> bool:
        """Stripe still runs it (ACCESS_STATUSES): a second subscription would charge twice."""
        return self.status in ACCESS_STATUSES

    def grants_access(self, at: datetime) -> bool:
        """active, trialing and past_due give access; a cancelled-at-period-end one until then."""
        if not self.is_live:
            return False
        if self.cancel_at_period_end and self.current_period_end is not None:
            return at < self.current_period_end
        return True


class CheckoutAttempt(db.Model):
    """A Checkout Session we opened, bound on our side to who started it and for whom."""

    __tablename__ = "billing_checkouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_session_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(100))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("billing_plans.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|completed|rejected
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StripeEvent(db.Model):
    """A verified webhook event, stored once by its Stripe id."""

    __tablename__ = "billing_stripe_events"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(200))


class ComplimentaryGrant(db.Model):
    """Free paid-level access given by staff, to a user or an organisation, until an end date."""

    __tablename__ = "complimentary_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def is_active(self, at: datetime) -> bool:
        return (
            self.revoked_at is None
            and self.starts_at <= at
            and (self.ends_at is None or at < self.ends_at)
        )

"""Stripe customers bound on our side to one user or one organisation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.billing import gateway
from portal.billing.models import BillingCustomer
from portal.extensions import db
from portal.orgs.models import Organization


def for_user(user: User) -> BillingCustomer | None:
    return db.session.scalar(select(BillingCustomer).where(BillingCustomer.user_id == user.id))


def for_org(org: Organization) -> BillingCustomer | None:
    return db.session.scalar(select(BillingCustomer).where(BillingCustomer.org_id == org.id))


def by_stripe_id(customer_id: str | None, *, lock: bool = False) -> BillingCustomer | None:
    """Our customer with this Stripe id; lock=True holds its row until the transaction ends."""
    if not customer_id:
        return None
    query = select(BillingCustomer).where(BillingCustomer.stripe_customer_id == customer_id)
    return db.session.scalar(query.with_for_update() if lock else query)


def ensure_for(owner: User | Organization) -> BillingCustomer:
    """The owner's Stripe customer, created in Stripe the first time (idempotently)."""
    existing = for_org(owner) if isinstance(owner, Organization) else for_user(owner)
    if existing is not None:
        return existing
    if isinstance(owner, Organization):
        email, name, meta, key = (
            owner.billing_email,
            owner.name,
            {"veivalg_org_id": str(owner.id), "veivalg_org_slug": owner.slug},
            f"customer:org:{owner.id}",
        )
    else:
        email, name, meta, key = (
            owner.email,
            owner.name,
            {"veivalg_user_id": str(owner.id)},
            f"customer:user:{owner.id}",
        )
    customer_id = gateway.create_customer(email, name, meta, key)
    customer = BillingCustomer(
        stripe_customer_id=customer_id,
        user_id=None if isinstance(owner, Organization) else owner.id,
        org_id=owner.id if isinstance(owner, Organization) else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(customer)
    except IntegrityError:
        # A concurrent request (a double click) bound the same customer first; Stripe's
        # idempotency key gave both the same customer id.
        existing = for_org(owner) if isinstance(owner, Organization) else for_user(owner)
        if existing is None:
            raise
        return existing
    return customer


def customer_id_of(obj: dict[str, Any]) -> str | None:
    customer = obj.get("customer")
    if isinstance(customer, dict):
        return customer.get("id")
    return customer

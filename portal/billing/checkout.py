"""Starting subscriptions with Stripe Checkout, finishing them, and opening the Customer Portal."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import User
from portal.billing import customers, gateway, mirror
from portal.billing import service as billing_service
from portal.billing.errors import BillingError
from portal.billing.models import CheckoutAttempt, Plan
from portal.extensions import db
from portal.orgs import audit
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization

log = logging.getLogger(__name__)


def owner_ref(owner: User | Organization) -> str:
    return f"org:{owner.id}" if isinstance(owner, Organization) else f"user:{owner.id}"


def start_checkout(
    owner: User | Organization,
    plan: Plan,
    quantity: int,
    actor: User,
    success_url: str,
    cancel_url: str,
    locale: str = "nb",
) -> str:
    """Open a Checkout Session for `owner` and return its URL.

    The session is bound to the owner on our side (stored with its id); the reference and
    metadata sent along are only hints, checked against what we stored when it completes.
    Organisations pay per seat, give a billing address and may give their VAT number.
    """
    is_org = isinstance(owner, Organization)
    if plan.per_seat != is_org:
        raise BillingError(_("Denne planen passer ikke for dette kjøpet."))
    if not plan.stripe_price_id:
        raise BillingError(_("Planen er ikke klar for betaling ennå."))
    current = (
        billing_service.org_subscription(owner)
        if is_org
        else billing_service.user_subscription(owner)
    )
    if current is not None and current.is_live:
        # A second subscription would charge twice; seats and plans change in the portal.
        raise BillingError(
            _("Det finnes allerede et aktivt abonnement. Endre det under Administrer.")
        )
    if is_org and quantity < orgs_service.seats_used(owner):
        raise BillingError(_("Antall plasser kan ikke være lavere enn antall medlemmer."))
    quantity = quantity if is_org else 1
    customer = customers.ensure_for(owner)
    attempt = CheckoutAttempt(
        stripe_customer_id=customer.stripe_customer_id,
        started_by_id=actor.id,
        user_id=None if is_org else owner.id,
        org_id=owner.id if is_org else None,
        plan_id=plan.id,
        quantity=quantity,
        idempotency_key=uuid.uuid4().hex,
    )
    db.session.add(attempt)
    db.session.flush()
    ref = owner_ref(owner)
    metadata = {"veivalg_checkout": str(attempt.id), "veivalg_owner": ref}
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer": customer.stripe_customer_id,
        "line_items": [{"price": plan.stripe_price_id, "quantity": quantity}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": ref,
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "locale": "nb" if locale == "nb" else "en",
    }
    if is_org:
        params.update(
            billing_address_collection="required",
            tax_id_collection={"enabled": True},
            customer_update={"address": "auto", "name": "auto"},
        )
    session = gateway.create_checkout_session(params, f"checkout:{attempt.idempotency_key}")
    attempt.stripe_session_id = session["id"]
    db.session.flush()
    return session["url"]


def attempt_by_session(session_id: str) -> CheckoutAttempt | None:
    return db.session.scalar(
        select(CheckoutAttempt).where(CheckoutAttempt.stripe_session_id == session_id)
    )


def complete_checkout(session: dict[str, Any]) -> str:
    """Handle checkout.session.completed: accept it only if its hints match what we stored.

    A session whose reference, metadata or customer point elsewhere than the owner that
    started it is rejected (and audited for organisations); nothing is mirrored from it.
    """
    attempt = attempt_by_session(session["id"])
    if attempt is None:
        log.warning("checkout session %s is not one we opened", session["id"])
        return "unknown session"
    if attempt.status != "open":
        return f"already {attempt.status}"
    expected = f"org:{attempt.org_id}" if attempt.org_id else f"user:{attempt.user_id}"
    hints = {
        "client_reference_id": session.get("client_reference_id"),
        "owner": (session.get("metadata") or {}).get("veivalg_owner"),
        "checkout": (session.get("metadata") or {}).get("veivalg_checkout"),
        "customer": customers.customer_id_of(session),
    }
    wanted = {
        "client_reference_id": expected,
        "owner": expected,
        "checkout": str(attempt.id),
        "customer": attempt.stripe_customer_id,
    }
    if hints != wanted:
        attempt.status = "rejected"
        log.warning("checkout session %s rejected: %s != %s", session["id"], hints, wanted)
        if attempt.org_id is not None:
            org = orgs_service.get_by_id(attempt.org_id, include_deleted=True)
            if org is not None:
                audit.record(org, None, "billing.checkout_rejected", session["id"], wanted, hints)
        db.session.flush()
        return "rejected"
    attempt.status = "completed"
    attempt.stripe_subscription_id = session.get("subscription")
    db.session.flush()
    if attempt.stripe_subscription_id:
        mirror.sync(attempt.stripe_subscription_id)
    return "completed"


def portal_url(owner: User | Organization, return_url: str) -> str:
    """A Customer Portal session for the owner's Stripe customer (payment method, invoices,
    cancel at period end, switch plan)."""
    customer = (
        customers.for_org(owner) if isinstance(owner, Organization) else customers.for_user(owner)
    )
    if customer is None:
        raise BillingError(_("Det finnes ikke noe abonnement å administrere."))
    return gateway.create_portal_session(customer.stripe_customer_id, return_url)

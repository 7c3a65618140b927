"""The plans we sell, kept in the database and synchronised to Stripe prices by lookup key."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.billing import gateway
from portal.billing.models import Plan
from portal.extensions import db

INDIVIDUAL = "individual"
ORGANISATION = "organisation"


@dataclass(frozen=True)
class PlanSpec:
    code: str
    kind: str
    interval: str
    name: str
    amount_ore: int


# Prices exclude VAT; organisation prices are per seat.
DEFAULT_PLANS = (
    PlanSpec("individual_monthly", INDIVIDUAL, "month", "Veivalg personlig, månedlig", 14900),
    PlanSpec("individual_yearly", INDIVIDUAL, "year", "Veivalg personlig, årlig", 149000),
    PlanSpec(
        "org_seat_monthly", ORGANISATION, "month", "Veivalg virksomhet, per plass, månedlig", 11900
    ),
    PlanSpec(
        "org_seat_yearly", ORGANISATION, "year", "Veivalg virksomhet, per plass, årlig", 119000
    ),
)

INTERVAL_LABELS = {"month": _l("per måned"), "year": _l("per år")}
PRODUCT_IDS = {INDIVIDUAL: "veivalg_individual", ORGANISATION: "veivalg_organisation"}
PRODUCT_NAMES = {INDIVIDUAL: "Veivalg personlig", ORGANISATION: "Veivalg virksomhet"}


def ensure_plans() -> list[Plan]:
    """Create the default plans that are missing; existing plans keep their prices."""
    existing = {p.code: p for p in db.session.scalars(select(Plan))}
    for spec in DEFAULT_PLANS:
        if spec.code not in existing:
            plan = Plan(
                code=spec.code,
                kind=spec.kind,
                interval=spec.interval,
                name=spec.name,
                amount_ore=spec.amount_ore,
                currency="nok",
                active=True,
            )
            db.session.add(plan)
            existing[spec.code] = plan
    db.session.flush()
    return list(existing.values())


def active_plans(kind: str | None = None) -> list[Plan]:
    query = select(Plan).where(Plan.active.is_(True)).order_by(Plan.kind, Plan.amount_ore)
    if kind:
        query = query.where(Plan.kind == kind)
    return list(db.session.scalars(query))


def get_by_code(code: str) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.code == code, Plan.active.is_(True)))


def by_price_id(price_id: str | None) -> Plan | None:
    if not price_id:
        return None
    return db.session.scalar(select(Plan).where(Plan.stripe_price_id == price_id))


def with_vat(amount_ore: int, vat_percent: int) -> int:
    return amount_ore + round(amount_ore * vat_percent / 100)


def sync_to_stripe() -> list[str]:
    """Create or update the products and prices in Stripe; running it again changes nothing.

    A price is found by its lookup key (the plan code). When our amount or interval differs from
    Stripe's, a new price takes over the lookup key (prices cannot be edited in Stripe).
    """
    lines = []
    for kind, product_id in PRODUCT_IDS.items():
        product = gateway.find_product(product_id)
        if product is None:
            gateway.create_product(product_id, PRODUCT_NAMES[kind], {"veivalg_kind": kind})
            lines.append(f"product {product_id}: created")
        elif product.get("name") != PRODUCT_NAMES[kind]:
            gateway.update_product(product_id, PRODUCT_NAMES[kind])
            lines.append(f"product {product_id}: renamed")
    for plan in ensure_plans():
        price = gateway.price_by_lookup_key(plan.code)
        if price is None or not _matches(price, plan):
            price = gateway.create_price(
                PRODUCT_IDS[plan.kind], plan.code, plan.amount_ore, plan.currency, plan.interval
            )
            lines.append(f"price {plan.code}: {price['id']} created")
        else:
            lines.append(f"price {plan.code}: {price['id']} up to date")
        if plan.stripe_price_id != price["id"]:
            plan.stripe_price_id = price["id"]
        plan.stripe_product_id = PRODUCT_IDS[plan.kind]
    db.session.flush()
    return lines


def _matches(price: dict, plan: Plan) -> bool:
    recurring = price.get("recurring") or {}
    return (
        price.get("unit_amount") == plan.amount_ore
        and str(price.get("currency", "")).lower() == plan.currency
        and recurring.get("interval") == plan.interval
        and price.get("product") == PRODUCT_IDS[plan.kind]
    )


@dataclass(frozen=True)
class Offer:
    """The cheapest way in for a consumer, as the paywall states it (VAT included)."""

    monthly_incl_vat: int
    vat: int
    payments_on: bool


def consumer_offer(vat_percent: int) -> Offer | None:
    """The lowest monthly individual price, including VAT (what a consumer pays each month)."""
    candidates = [plan.amount_ore for plan in active_plans(INDIVIDUAL) if plan.interval == "month"]
    if not candidates:
        return None
    return Offer(with_vat(min(candidates), vat_percent), vat_percent, gateway.enabled())

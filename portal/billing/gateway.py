"""The one place that talks to Stripe: every API call of the portal goes through here."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import stripe
from flask import current_app

WEBHOOK_TOLERANCE = 300


class PaymentsOff(RuntimeError):
    """Raised when Stripe is not configured (STRIPE_SECRET_KEY unset)."""


class GatewayError(RuntimeError):
    """Stripe refused or could not be reached; the message is safe to log."""


def enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def configuration_state(config: Mapping[str, Any]) -> tuple[str, str | None]:
    """'on', 'off' or 'misconfigured', and what is wrong when only one Stripe key is set.

    Either half alone fails quietly: a webhook secret without an API key stores events no
    worker can process, an API key without a secret takes payments whose webhooks are refused.
    """
    key, secret = config.get("STRIPE_SECRET_KEY"), config.get("STRIPE_WEBHOOK_SECRET")
    if key and secret:
        return "on", None
    if secret:
        return "misconfigured", (
            "STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not: webhook events are "
            "stored but cannot be processed, and paid checkout is off"
        )
    if key:
        return "misconfigured", (
            "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: every Stripe webhook "
            "is refused, so payments never reach the portal"
        )
    return "off", None


def client() -> stripe.StripeClient:
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise PaymentsOff("STRIPE_SECRET_KEY is not set")
    base = current_app.config.get("STRIPE_API_BASE")
    # No retries against an emulator: tests should see failures at once.
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        max_network_retries=0 if base else 2,
    )


def _call(func: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except stripe.StripeError as exc:
        raise GatewayError(f"{type(exc).__name__}: {exc.user_message or exc}") from exc


def _options(idempotency_key: str | None) -> dict[str, Any] | None:
    return {"idempotency_key": idempotency_key} if idempotency_key else None


def as_dict(obj: Any) -> dict[str, Any]:
    """stripe 16 objects are not dicts; hand plain dicts to the rest of the portal."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


# Products and prices -------------------------------------------------------------------------


def find_product(product_id: str) -> dict[str, Any] | None:
    try:
        return as_dict(client().v1.products.retrieve(product_id))
    except stripe.InvalidRequestError:
        return None
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc


def create_product(product_id: str, name: str, metadata: dict[str, str]) -> dict[str, Any]:
    params = {"id": product_id, "name": name, "metadata": metadata}
    return as_dict(_call(client().v1.products.create, params))


def update_product(product_id: str, name: str) -> dict[str, Any]:
    return as_dict(_call(client().v1.products.update, product_id, {"name": name}))


def price_by_lookup_key(lookup_key: str) -> dict[str, Any] | None:
    result = _call(
        client().v1.prices.list, {"lookup_keys": [lookup_key], "active": True, "limit": 1}
    )
    data = as_dict(result).get("data", [])
    return data[0] if data else None


def create_price(
    product_id: str, lookup_key: str, amount_ore: int, currency: str, interval: str
) -> dict[str, Any]:
    """A recurring price; transfer_lookup_key moves the key from an older price."""
    params = {
        "product": product_id,
        "lookup_key": lookup_key,
        "transfer_lookup_key": True,
        "unit_amount": amount_ore,
        "currency": currency,
        "recurring": {"interval": interval},
        "tax_behavior": "exclusive",
    }
    return as_dict(
        _call(
            client().v1.prices.create,
            params,
            _options(f"price:{lookup_key}:{amount_ore}:{interval}"),
        )
    )


# Customers -----------------------------------------------------------------------------------


def create_customer(email: str, name: str, metadata: dict[str, str], key: str) -> str:
    params = {"email": email, "name": name, "metadata": metadata}
    return as_dict(_call(client().v1.customers.create, params, _options(key)))["id"]


# Checkout and portal -------------------------------------------------------------------------


def create_checkout_session(params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    return as_dict(_call(client().v1.checkout.sessions.create, params, _options(idempotency_key)))


def create_portal_session(customer_id: str, return_url: str) -> str:
    params = {"customer": customer_id, "return_url": return_url}
    return as_dict(_call(client().v1.billing_portal.sessions.create, params))["url"]


# Subscriptions -------------------------------------------------------------------------------


def retrieve_subscription(subscription_id: str) -> dict[str, Any] | None:
    try:
        return as_dict(client().v1.subscriptions.retrieve(subscription_id))
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return None
        raise GatewayError(str(exc)) from exc
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc


def set_quantity(
    subscription: dict[str, Any], quantity: int, idempotency_key: str
) -> dict[str, Any]:
    """Change the seats of a one-item subscription; Stripe prorates by default."""
    item_id = subscription["items"]["data"][0]["id"]
    params = {"items": [{"id": item_id, "quantity": quantity}]}
    return as_dict(
        _call(
            client().v1.subscriptions.update, subscription["id"], params, _options(idempotency_key)
        )
    )


def cancel_subscription(subscription_id: str) -> dict[str, Any] | None:
    try:
        return as_dict(client().v1.subscriptions.cancel(subscription_id))
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return None
        raise GatewayError(str(exc)) from exc
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc


def iter_subscriptions() -> Iterator[dict[str, Any]]:
    """Every subscription in the account, any status, page by page."""
    page = _call(client().v1.subscriptions.list, {"status": "all", "limit": 100})
    for sub in page.auto_paging_iter():
        yield as_dict(sub)


# Webhooks ------------------------------------------------------------------------------------


def verify_event(raw_body: bytes, signature: str | None) -> Any:
    """Check the Stripe-Signature over the raw body and return the parsed JSON.

    Raises ValueError when the signature does not hold, when it was made more than
    WEBHOOK_TOLERANCE seconds from now in either direction (the Stripe library only refuses
    old ones, so a signature from the future would stay replayable), or when the body is
    not JSON. Any of the header's v1 signatures may match (secret rotation). The shape of
    what comes back is the caller's to check.
    """
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not signature:
        raise ValueError("unsigned or no webhook secret configured")
    try:
        payload = raw_body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=WEBHOOK_TOLERANCE
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from exc
    # verify_header parsed the header the same way, so a numeric t= is there.
    pairs = [part.split("=", 1) for part in signature.split(",")]
    timestamp = int(next(pair[1] for pair in pairs if pair[0] == "t"))
    if timestamp > time.time() + WEBHOOK_TOLERANCE:
        raise ValueError(f"signature timestamp {timestamp} is in the future")
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise ValueError(f"body is not JSON: {exc}") from exc

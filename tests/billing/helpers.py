"""Test helpers for billing: Stripe-signed webhook events and a client for the emulator."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
import urllib.request
from typing import Any

import stripe
from flask.testing import FlaskClient

WEBHOOK_SECRET = "whsec_test_" + "s" * 24
API_KEY = "sk_test_emulator"


def make_event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or "evt_" + secrets.token_hex(10),
        "object": "event",
        "api_version": "2020-08-27",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def sign(
    event: dict[str, Any], secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[str, str]:
    """The body and Stripe-Signature header exactly as Stripe makes them."""
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return body, header


def sign_body(body: str, secrets_: list[str], timestamp: int | None = None) -> str:
    """A Stripe-Signature header over an exact body, with one v1 signature per secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{body}".encode()
    parts = [f"t={timestamp}"] + [
        "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets_
    ]
    return ",".join(parts)


def post_body(client: FlaskClient, body: str, header: str) -> Any:
    return client.post(
        "/billing/webhook",
        data=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def post_event(client: FlaskClient, event: dict[str, Any], **sign_args: Any) -> Any:
    body, header = sign(event, **sign_args)
    return client.post(
        "/billing/webhook",
        data=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


class StripeSide:
    """What Stripe itself would do (a customer paying through Checkout, a status changing),
    performed against the emulator over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = stripe.StripeClient(
            API_KEY, base_addresses={"api": url}, max_network_retries=0
        )

    def subscribe(
        self, customer_id: str, price_id: str, quantity: int = 1, trial_days: int | None = None
    ) -> dict[str, Any]:
        pm = self.client.v1.payment_methods.attach("pm_card_visa", {"customer": customer_id})
        self.client.v1.customers.update(
            customer_id, {"invoice_settings": {"default_payment_method": pm.id}}
        )
        params: dict[str, Any] = {
            "customer": customer_id,
            "items": [{"plan": price_id, "quantity": quantity}],
        }
        if trial_days:
            params["trial_end"] = int(time.time()) + trial_days * 86400
        return self.client.v1.subscriptions.create(params).to_dict()

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        return self.client.v1.subscriptions.retrieve(subscription_id).to_dict()

    def set_status(self, subscription_id: str, status: str) -> None:
        self._raw("POST", f"/_config/subscriptions/{subscription_id}/status", {"status": status})

    def cancel_at_period_end(self, subscription_id: str) -> dict[str, Any]:
        return self.client.v1.subscriptions.update(
            subscription_id, {"cancel_at_period_end": True}
        ).to_dict()

    def cancel(self, subscription_id: str) -> dict[str, Any]:
        return self.client.v1.subscriptions.cancel(subscription_id).to_dict()

    def register_webhook(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        """Let localstripe deliver its own (signed) events to url."""
        self._raw("POST", "/_config/webhooks/veivalg", {"url": url, "secret": secret})

    def recorded(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self._raw("GET", "/_config/recorded") if r["path"] == path]

    def flush(self) -> None:
        self._raw("DELETE", "/_config/all")

    def _raw(self, method: str, path: str, data: dict[str, str] | None = None) -> Any:
        body = urllib.parse.urlencode(data).encode() if data else None
        request = urllib.request.Request(self.url + path, data=body, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            text = response.read().decode()
        return json.loads(text) if text else None

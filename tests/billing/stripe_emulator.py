"""localstripe on a loopback port, plus the few endpoints it lacks, run as a test subprocess.

localstripe emulates the old Stripe API and has no prices, Checkout Sessions or Billing
Portal. This adds the smallest stand-ins for those (prices become localstripe plans with the
same id, so subscriptions can use them), records what the stripe library sends to them, and
lets a test force a subscription status localstripe cannot reach by itself.

Usage: python -m tests.billing.stripe_emulator PORT
"""

from __future__ import annotations

import secrets
import sys
import time
from typing import Any

from aiohttp import web
from localstripe import resources, server, webhooks
from localstripe.resources import Plan, Product, Subscription, store

# No pickling to the shared /tmp/localstripe.pickle: state lives and dies with this process.
resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]
resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

PRICES: dict[str, dict[str, Any]] = {}
REQUESTS: list[dict[str, Any]] = []


def _record(request: web.Request, params: dict[str, Any]) -> None:
    REQUESTS.append(
        {
            "method": request.method,
            "path": request.path,
            "params": params,
            "idempotency_key": request.headers.get("Idempotency-Key"),
        }
    )


async def _params(request: web.Request) -> dict[str, Any]:
    data = await server.get_post_data(request) or {}
    data.update(server.unflatten_data(request.query) or {})
    return dict(data)


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("true", "1")


async def list_prices(request: web.Request) -> web.Response:
    params = await _params(request)
    _record(request, params)
    keys = params.get("lookup_keys") or []
    keys = keys if isinstance(keys, list) else [keys]
    data = [
        p
        for p in PRICES.values()
        if (not keys or p["lookup_key"] in keys)
        and (not _truthy(params.get("active", "")) or p["active"])
    ]
    return web.json_response(
        {"object": "list", "url": "/v1/prices", "has_more": False, "data": data}
    )


async def create_price(request: web.Request) -> web.Response:
    params = await _params(request)
    _record(request, params)
    product = params["product"]
    Product._api_retrieve(product)
    price_id = "price_" + secrets.token_hex(8)
    interval = params["recurring"]["interval"]
    amount = int(params["unit_amount"])
    # Stripe treats a recurring price as a plan with the same id; so does this emulator.
    Plan(
        id=price_id, product=product, amount=amount, currency=params["currency"], interval=interval
    )
    if _truthy(params.get("transfer_lookup_key")):
        for other in PRICES.values():
            if other["lookup_key"] == params.get("lookup_key"):
                other["lookup_key"] = None
    price = {
        "id": price_id,
        "object": "price",
        "active": True,
        "currency": params["currency"],
        "lookup_key": params.get("lookup_key"),
        "product": product,
        "recurring": {"interval": interval, "interval_count": 1},
        "tax_behavior": params.get("tax_behavior"),
        "type": "recurring",
        "unit_amount": amount,
        "created": int(time.time()),
        "livemode": False,
        "metadata": {},
    }
    PRICES[price_id] = price
    return web.json_response(price)


async def create_checkout_session(request: web.Request) -> web.Response:
    params = await _params(request)
    _record(request, params)
    session_id = "cs_test_" + secrets.token_hex(12)
    return web.json_response(
        {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "status": "open",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "livemode": False,
        }
    )


async def create_portal_session(request: web.Request) -> web.Response:
    params = await _params(request)
    _record(request, params)
    session_id = "bps_" + secrets.token_hex(12)
    return web.json_response(
        {
            "id": session_id,
            "object": "billing_portal.session",
            "customer": params.get("customer"),
            "return_url": params.get("return_url"),
            "url": f"https://billing.stripe.test/p/session/{session_id}",
            "livemode": False,
        }
    )


async def recorded(request: web.Request) -> web.Response:
    return web.json_response(REQUESTS)


async def force_status(request: web.Request) -> web.Response:
    params = await _params(request)
    subscription = Subscription._api_retrieve(request.match_info["id"])
    subscription.status = params["status"]
    return web.json_response({"id": subscription.id, "status": subscription.status})


async def flush(request: web.Request) -> web.Response:
    store.clear()
    webhooks._webhooks.clear()
    PRICES.clear()
    REQUESTS.clear()
    return web.Response()


@web.middleware
async def record_subscription_updates(request: web.Request, handler: Any) -> web.StreamResponse:
    # Seat changes go to localstripe itself; note what was sent so tests can check the key.
    if request.method == "POST" and request.path.startswith("/v1/subscriptions/"):
        _record(request, await _params(request))
    return await handler(request)


def main(port: int) -> None:
    app = server.app
    app.middlewares.append(record_subscription_updates)
    # Ours first: localstripe's generic routes would answer these with 404.
    app.router.add_get("/v1/prices", list_prices)
    app.router.add_post("/v1/prices", create_price)
    app.router.add_post("/v1/checkout/sessions", create_checkout_session)
    app.router.add_post("/v1/billing_portal/sessions", create_portal_session)
    app.router.add_get("/_config/recorded", recorded)
    app.router.add_post("/_config/subscriptions/{id}/status", force_status)
    app.router.add_delete("/_config/all", flush)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))

"""Security headers on every response, and no-store for pages of logged-in users."""

from __future__ import annotations

from flask import Flask, Response
from flask_login import current_user

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        # Checkout and the customer portal are reached by redirect after a form post.
        "form-action 'self' https://checkout.stripe.com https://billing.stripe.com",
    ]
)


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
PRODUCTION_HEADERS = (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)


def init_app(app: Flask) -> None:
    production = app.config["VEIVALG_ENV"] == "production"

    always = [
        (name.lower(), name, value)
        for name, value in (*HEADERS, *(PRODUCTION_HEADERS if production else ()))
    ]

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        # One pass over the response's headers, not one scan per header set by default.
        present = {name.lower() for name, _ in headers}
        for lower, name, value in always:
            if lower not in present:
                headers.add(name, value)
        user = current_user._get_current_object()  # type: ignore[attr-defined]  # one look-up
        if user and user.is_authenticated:
            headers["Cache-Control"] = "no-store"
            headers["Vary"] = "Cookie"
        else:
            response.vary.add("Cookie")
        return response

"""Health and readiness probes, and the language switch."""

from __future__ import annotations

import redis
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import current_user
from sqlalchemy import text

from portal.accounts import service as accounts_service
from portal.billing import gateway
from portal.core.redirects import safe_next
from portal.extensions import csrf, db
from portal.i18n import normalise

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 when every configured dependency answers, else 503 naming what is down.

    `payments` says whether Stripe is on, off or half-configured (one key without the other).
    """
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        checks["database"] = "down"
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        checks["redis"] = "off"
    else:
        try:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
            client.ping()
            checks["redis"] = "ok"
        except redis.RedisError:
            checks["redis"] = "down"
    ready = all(value in ("ok", "off") for value in checks.values())
    # Reported, not a reason to take the web process out of the balancer: pages still work.
    checks["payments"] = gateway.configuration_state(current_app.config)[0]
    return jsonify(checks), 200 if ready else 503


@bp.post("/language")
@csrf.exempt  # keeps anonymous pages free of tokens and cookies (docs/decisions.md)
def set_language() -> Response:
    lang = normalise(request.form.get("lang")) or "nb"
    session["lang"] = lang
    if current_user.is_authenticated:
        # Remembered for mails too.
        accounts_service.set_locale(current_user, lang)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")), code=303)


@bp.get("/privacy")
def privacy() -> str:
    return render_template("core/privacy.html")

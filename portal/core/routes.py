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
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from portal.accounts import service as accounts_service
from portal.accounts.ratelimit import guarded
from portal.billing import gateway
from portal.core import contact
from portal.core.forms import TOPICS, ContactForm
from portal.core.redirects import is_safe_path, safe_next
from portal.extensions import csrf, db
from portal.i18n import normalise
from portal.templating import current_locale

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
    return render_template("core/legal.html", document="privacy")


@bp.get("/terms")
def terms() -> str:
    return render_template("core/legal.html", document="terms")


@bp.route("/contact", methods=["GET", "POST"])
@guarded
def contact_page() -> ResponseReturnValue:
    """Contact and quote requests: where every 'buy' leads while online payment is off."""
    form = ContactForm()
    if not form.is_submitted():
        topic = request.args.get("topic", "")
        form.topic.data = topic if topic in TOPICS else "subscription"
        form.next.data = request.args.get("next", "")
        form.organisation.data = request.args.get("org", "")[:200]
        if current_user.is_authenticated:
            form.name.data = current_user.name
            form.email.data = current_user.email
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("core/contact.html", form=form), status
    page = form.next.data if form.next.data and is_safe_path(form.next.data) else ""
    contact.send(
        contact.ContactRequest(
            topic=form.topic.data,
            name=form.name.data,
            email=form.email.data,
            organisation=form.organisation.data or "",
            seats=form.seats.data,
            message=form.message.data,
            page=page,
            locale=current_locale(),
        ),
        current_app.config["CONTACT_EMAIL"],
    )
    db.session.commit()
    return redirect(url_for("core.contact_sent", next=page or None), code=303)


@bp.get("/contact/sent")
def contact_sent() -> str:
    return render_template("core/contact_sent.html", back=safe_next(request.args.get("next")))

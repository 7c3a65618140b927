"""Error pages in the visitor's language, and JSON errors with a code for the API."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Ugyldig forespørsel"), _("Forespørselen kunne ikke behandles. Prøv igjen.")),
        403: (_("Ingen tilgang"), _("Du har ikke tilgang til denne siden.")),
        404: (_("Siden finnes ikke"), _("Vi fant ikke siden du lette etter.")),
        405: (_("Metoden er ikke tillatt"), _("Denne handlingen er ikke tillatt her.")),
        413: (
            _("For stor forespørsel"),
            _("Det du sendte var for stort. Prøv med mindre innhold eller en mindre fil."),
        ),
        429: (
            _("For mange forsøk"),
            _("Du har prøvd for mange ganger på kort tid. Vent litt og prøv igjen."),
        ),
        500: (
            _("Noe gikk galt"),
            _("Det oppstod en feil hos oss. Feilen er logget, og vi ser på den."),
        ),
        503: (_("Tjenesten er utilgjengelig"), _("Prøv igjen om litt.")),
    }


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/billing/webhook":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, detail: str | None = None) -> tuple[Response | str, int]:
    title, message = _messages().get(code, _messages()[500])
    if wants_json():
        body = {"error": {"code": _CODES.get(code, "error"), "message": detail or message}}
        return Response(_json(body), mimetype="application/json"), code
    return render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=detail or message,
        request_id=g.get("request_id"),
    ), code


def _json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[Response | str, int]:
        return render_error(
            400, _("Skjemaet var utløpt eller ugyldig. Last siden på nytt og prøv igjen.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response | str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        response, code = render_error(error.code)
        if isinstance(response, str):
            response = Response(response, status=code, mimetype="text/html")
        for header in ("Retry-After", "Allow"):
            value = dict(error.get_headers()).get(header)
            if value:
                response.headers[header] = value
        return response, code

    @app.errorhandler(DataError)
    def _bad_data(error: DataError) -> tuple[Response | str, int]:
        # Input the database refuses to hold (a NUL byte, a number beyond a column's range)
        # is the client's error, not ours: a 400, and nothing of the request is kept.
        _rollback()
        log.warning("data the database refused (request %s): %s", g.get("request_id"), error.orig)
        return render_error(400)

    app.register_error_handler(Exception, unhandled)


def unhandled(error: Exception) -> tuple[Response | str, int]:
    """The 500 page for an error nothing else handled; logged with the request id."""
    log.exception("unhandled error (request %s)", g.get("request_id"), exc_info=error)
    # The error page (header, banner) may query: never on a transaction that failed.
    _rollback()
    return render_error(InternalServerError.code)


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the error page must still render
        log.exception("rollback failed (request %s)", g.get("request_id"))

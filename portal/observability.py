"""Request ids and logging: one line per request, JSON in production."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_for(incoming: str) -> str:
    """The request's id: the one a proxy sent when it looks like one, else a new one."""
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


log = logging.getLogger("portal.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms", "user_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_logging(app: Flask) -> None:
    """Log the `portal` loggers to stderr (JSON lines when LOG_JSON) and time each request."""
    root = logging.getLogger("portal")
    handler = next((h for h in root.handlers if getattr(h, "_veivalg", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._veivalg = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False
    handler.setFormatter(
        JsonFormatter()
        if app.config["LOG_JSON"]
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def _start() -> None:
        g.request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
            duration = (time.perf_counter() - g.request_started) * 1000
            current = request._get_current_object()  # type: ignore[attr-defined]  # one look-up
            method, path = current.method, current.path
            log_request(
                "%s %s %s %.1fms rid=%s",
                (method, path, response.status_code, duration, request_id),
                {
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round(duration, 1),
                },
            )
        return response


def log_request(message: str, args: tuple[Any, ...], extra: dict[str, Any]) -> None:
    """The one line per request, at INFO. Made without logging's caller look-up, which walks
    the whole (deep) stack of a request to name a file and line no formatter here prints."""
    if log.isEnabledFor(logging.INFO):
        log.handle(
            log.makeRecord(log.name, logging.INFO, "(request)", 0, message, args, None, None, extra)
        )

"""Request ids and logging: one line per request, JSON in production."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id() -> str:
    """32 random hex digits (as uuid4().hex, without building a UUID)."""
    return os.urandom(16).hex()


def request_id_for(incoming: str) -> str:
    """The request's id: the one a proxy sent when it looks like one, else a new one."""
    return incoming if _REQUEST_ID.match(incoming) else new_request_id()


log = logging.getLogger("portal.request")


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")
# json.dumps(entry, ensure_ascii=False) builds a new encoder on every call; one does the same.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, _TIME_FORMAT),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in FIELDS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _to_json(entry)


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

    # Each hook looks `g` and the request up once (a context-local look-up each).
    @app.before_request
    def _start() -> None:
        incoming = request._get_current_object().headers.get("X-Request-ID", "")  # type: ignore[attr-defined]
        kept = g._get_current_object()  # type: ignore[attr-defined]
        kept.request_id = request_id_for(incoming)
        kept.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        kept = g._get_current_object()  # type: ignore[attr-defined]
        request_id = kept.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
            duration = (time.perf_counter() - kept.request_started) * 1000
            current = request._get_current_object()  # type: ignore[attr-defined]
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
    the whole (deep) stack of a request to name a file and line no formatter here prints.

    When the line can only end up in the portal's own JSON handler (production as configured by
    init_logging: nothing else attached, no filters), it is written straight to that handler's
    stream, the same bytes JsonFormatter makes of a record, without building the LogRecord
    (thread and process names, a dozen attributes) no one else would see. Anything else that
    listens (another handler, a filter, a test's log capture, the plain-text format) gets the
    record as before."""
    if not log.isEnabledFor(logging.INFO):
        return
    handler = _json_only_handler()
    if handler is not None:
        _write_json_line(handler, message, args, extra)
    else:
        log.handle(_record(message, args, extra))


def _record(message: str, args: tuple[Any, ...], extra: dict[str, Any]) -> logging.LogRecord:
    return log.makeRecord(log.name, logging.INFO, "(request)", 0, message, args, None, None, extra)


def _json_only_handler() -> logging.StreamHandler[Any] | None:
    """The portal's JSON stream handler, if a request line would reach it and nothing else."""
    if log.handlers or log.filters or log.disabled or not log.propagate:
        return None
    parent = log.parent
    if parent is None or parent.propagate or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if (
        type(handler) is not logging.StreamHandler
        or not getattr(handler, "_veivalg", False)
        or handler.filters
        or handler.level > logging.INFO
    ):
        return None
    formatter = handler.formatter
    if type(formatter) is not JsonFormatter or formatter.converter is not time.localtime:
        return None
    return handler


_stamp: tuple[int, str] = (-1, "")


def _time_text(created: float) -> str:
    """formatTime(record, _TIME_FORMAT) for a record made at `created`, kept for the second."""
    global _stamp
    second = int(created)
    kept = _stamp
    if kept[0] != second:
        kept = (second, time.strftime(_TIME_FORMAT, time.localtime(created)))
        _stamp = kept
    return kept[1]


def _write_json_line(
    handler: logging.StreamHandler[Any], message: str, args: tuple[Any, ...], extra: dict[str, Any]
) -> None:
    created = time.time()
    handler.acquire()
    try:
        # As StreamHandler.emit: made and written under the handler's lock, and any failure
        # (a value JSON cannot hold, a closed stream) goes to handleError, never to the request.
        stream = handler.stream
        stream.write(_json_line(created, message, args, extra) + handler.terminator)
        if stream and hasattr(stream, "flush"):
            stream.flush()
    except RecursionError:
        raise
    except Exception:  # noqa: BLE001 - logging never fails a request
        handler.handleError(_record(message, args, extra))
    finally:
        handler.release()


def _json_line(created: float, message: str, args: tuple[Any, ...], extra: dict[str, Any]) -> str:
    """JsonFormatter.format of the record log_request would make, made at `created`."""
    # As LogRecord.getMessage, where a lone mapping is the arguments by name.
    named = len(args) == 1 and isinstance(args[0], Mapping) and args[0]
    values = args[0] if named else args
    entry = {
        "time": _time_text(created),
        "level": logging.getLevelName(logging.INFO),
        "logger": log.name,
        "message": str(message) % values if values else str(message),
    }
    for key in FIELDS:
        if key in extra:
            entry[key] = extra[key]
    return _to_json(entry)

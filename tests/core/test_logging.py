"""One log line per request with its request id; JSON lines in production."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable

import pytest

from portal.observability import JsonFormatter, log_request


def test_one_line_per_request_with_the_request_id(client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get("/healthz", headers={"X-Request-ID": "req-12345678"})
    lines = [r for r in caplog.records if r.name == "portal.request"]
    assert len(lines) == 1
    assert lines[0].request_id == "req-12345678" == response.headers["X-Request-ID"]
    assert lines[0].status == 200 and lines[0].path == "/healthz"


def test_production_logs_are_json(make_app, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(VEIVALG_ENV="production", SECRET_KEY="s" * 40)
    handler = next(h for h in logging.getLogger("portal").handlers if getattr(h, "_veivalg", 0))
    assert isinstance(handler.formatter, JsonFormatter)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        app.test_client().get("/healthz")
    record = next(r for r in caplog.records if r.name == "portal.request")
    entry = json.loads(JsonFormatter().format(record))
    assert entry["status"] == 200 and entry["path"] == "/healthz" and entry["request_id"]


ARGS = ("GET", "/artikler/æ", 200, 1.25, "req-12345678")
EXTRA = {
    "request_id": "req-12345678",
    "method": "GET",
    "path": "/artikler/æ",
    "status": 200,
    "duration_ms": 1.2,
    "cached": True,
}


@pytest.fixture
def json_only(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], tuple[logging.Handler, io.StringIO]]:
    """Production logging with nothing but the portal's handler attached, writing into a buffer.
    Called in the test itself: pytest attaches its capture handlers again for each phase."""
    make_app(VEIVALG_ENV="production", SECRET_KEY="s" * 40)

    def only() -> tuple[logging.Handler, io.StringIO]:
        portal = logging.getLogger("portal")
        handler = next(h for h in portal.handlers if getattr(h, "_veivalg", 0))
        stream = io.StringIO()
        monkeypatch.setattr(handler, "stream", stream)
        monkeypatch.setattr(portal, "handlers", [handler])
        return handler, stream

    return only


def test_the_request_line_is_what_the_json_formatter_makes_of_the_record(
    json_only: Callable[[], tuple[logging.Handler, io.StringIO]], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, stream = json_only()
    monkeypatch.setattr(time, "time", lambda: 1764680000.75)
    made: list[logging.LogRecord] = []
    factory = logging.getLogRecordFactory()

    def counting(*args: object, **kwargs: object) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        made.append(record)
        return record

    monkeypatch.setattr(logging, "_logRecordFactory", counting)
    log_request("%s %s %s %.1fms rid=%s", ARGS, EXTRA)
    # Only the portal's JSON handler listens: the line is written without a LogRecord.
    assert made == []
    direct = stream.getvalue()

    # Anything else listening gets the record, and the handler writes the same line from it.
    seen: list[logging.LogRecord] = []
    other = logging.Handler()
    other.emit = seen.append  # type: ignore[method-assign]
    monkeypatch.setattr(logging.getLogger("portal"), "handlers", [handler, other])
    log_request("%s %s %s %.1fms rid=%s", ARGS, EXTRA)
    assert len(made) == 1 and seen == made
    assert stream.getvalue() == direct * 2
    assert direct == JsonFormatter().format(made[0]) + "\n"
    assert list(json.loads(direct)) == [
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
    ]
    assert json.loads(direct)["message"] == "GET /artikler/æ 200 1.2ms rid=req-12345678"
    assert '"/artikler/æ"' in direct  # not escaped, as json.dumps(…, ensure_ascii=False)


def test_a_filter_on_the_handler_is_still_honoured(
    json_only: Callable[[], tuple[logging.Handler, io.StringIO]],
) -> None:
    handler, stream = json_only()
    quiet = logging.Filter("nothing.here")  # lets no portal record through
    handler.addFilter(quiet)
    try:
        log_request("%s %s %s %.1fms rid=%s", ARGS, EXTRA)
    finally:
        handler.removeFilter(quiet)
    assert stream.getvalue() == ""


def test_each_request_writes_one_json_line(
    json_only: Callable[[], tuple[logging.Handler, io.StringIO]], make_app
) -> None:
    app = make_app(VEIVALG_ENV="production", SECRET_KEY="s" * 40)
    _, stream = json_only()
    app.test_client().get("/healthz", headers={"X-Request-ID": "req-87654321"})
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["logger"] == "portal.request" and entry["level"] == "INFO"
    assert entry["request_id"] == "req-87654321" and entry["path"] == "/healthz"
    assert entry["status"] == 200 and entry["method"] == "GET"
    assert entry["message"].startswith("GET /healthz 200 ")


def test_a_line_that_cannot_be_written_never_fails_the_request(
    json_only: Callable[[], tuple[logging.Handler, io.StringIO]], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, stream = json_only()
    failed: list[logging.LogRecord] = []
    monkeypatch.setattr(handler, "handleError", failed.append)
    log_request("%s %s %s %.1fms rid=%s", ARGS, {**EXTRA, "status": object()})  # not JSON
    log_request("%d", ("not a number",), {})  # a message its arguments do not fit
    assert [record.args for record in failed] == [ARGS, ("not a number",)]
    assert stream.getvalue() == ""

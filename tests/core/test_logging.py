"""One log line per request with its request id; JSON lines in production."""

from __future__ import annotations

import json
import logging

import pytest

from portal.observability import JsonFormatter


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

"""The pieces of bench.mix that its parts share: one timed, checked request (a 503 must carry
its request id, any other 5xx is a problem) and the /proc readings of a process tree."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# check(status, text, headers) -> "" when the answer is right, else what is wrong with it.
Check = Callable[[int, str, dict[str, str]], str]


@dataclass
class Outcome:
    kind: str
    status: int
    ms: float
    at: float
    problem: str = ""


def fetch(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
          ) -> tuple[int, str, dict[str, str]]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return (
            response.status,
            response.read().decode("utf-8", "replace"),
            {k.lower(): v for k, v in response.getheaders()},
        )
    finally:
        conn.close()


def timed_request(port: int, kind: str, method: str, path: str, cookie: str | None,
                  check: Check, body: str | None = None) -> Outcome:  # fmt: skip
    """One request with a request id of its own, timed and checked."""
    rid = secrets.token_hex(8)
    headers = {"X-Request-ID": rid}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        status, text, answer_headers = fetch(port, method, path, headers, body)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(kind, 0, 0, started, f"transport: {type(exc).__name__}")
    ms = (time.perf_counter() - started) * 1000
    if status == 503:
        problem = "" if rid in text else "503 without the request id"
    elif status >= 500:
        problem = f"bare {status}"
    else:
        problem = check(status, text, answer_headers)
    return Outcome(kind, status, ms, started, problem)


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (gunicorn's and celery's workers)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending += [int(c) for c in children]
    return found


def rss_kb(pid: int) -> int:
    """Resident memory of a process tree, in kB."""
    total = 0
    for current in process_tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        except (OSError, AttributeError):
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process tree has used: on a shared, noisy machine the CPU
    per request is steadier than requests per second."""
    ticks = 0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")

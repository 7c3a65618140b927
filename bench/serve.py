"""What the served benchmarks share: a throwaway database and the portal's production settings,
gunicorn started the same way for the portal and the bare endpoint, the load with CPU taken
from /proc, the statement counter, and the report table.

`python -m bench` (reader pages) and `python -m bench.workspace` build their data and name
their pages; everything about serving and measuring them is here, so both compare the same way.
"""

from __future__ import annotations

import http.client
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from bench.load import Result, hammer
from portal import create_app
from portal.extensions import db
from tests.support.database import APP_ROLE, ThrowawayDatabase

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--keep-alive", "5"]
BARE = "bare Flask endpoint"
BARE_MODULE = "bench.bare:app"

# (name, paths, request headers) driven against one server
Scenario = tuple[str, list[str], dict[str, str]]
# Connections of the load: 2 processes × THREADS keep-alive connections (16), or a scenario's
# own count when its name says so (see `connections_of`).
THREADS = 8


def connections_of(name: str) -> int:
    """A scenario named "…, 32 connections" runs with 32; every other with 16."""
    head, _, tail = name.rpartition(", ")
    if head and tail.endswith(" connections") and tail.split()[0].isdigit():
        return int(tail.split()[0])
    return 2 * THREADS


@dataclass
class Setup:
    """A migrated throwaway database and the production settings that point at it."""

    database: ThrowawayDatabase
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    mail: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="veivalg-bench-")))

    @property
    def config(self) -> dict[str, Any]:
        """In-process apps: the runtime role, no Redis, quiet logs."""
        return {
            "VEIVALG_ENV": "production",
            "SECRET_KEY": self.secret,
            "SQLALCHEMY_DATABASE_URI": self.database.app_url,
            "DATABASE_OWNER_URL": self.database.owner_url,
            "DATABASE_APP_ROLE": APP_ROLE,
            "REDIS_URL": None,
            "MAIL_URL": f"file://{self.mail / 'mail'}",
            "LOG_LEVEL": "WARNING",  # in-process only; the served portal logs as in production
        }

    @property
    def env(self) -> dict[str, str]:
        """The served portal: the same database and secret, through the environment."""
        return {
            "VEIVALG_ENV": "production",
            "SECRET_KEY": self.secret,
            "DATABASE_URL": self.database.app_url,
            "MAIL_URL": self.config["MAIL_URL"],
        }

    def owner_app(self) -> Flask:
        """An app on the owner's connection, for migrating and generating data."""
        return create_app({**self.config, "SQLALCHEMY_DATABASE_URI": self.database.owner_url})

    def cookie(self, app: Flask, user_id: str) -> dict[str, str]:
        """Request headers carrying a logged-in session of `user_id`."""
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        assert serializer is not None
        value = serializer.dumps({"_user_id": user_id, "_fresh": True})
        return {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}


@contextmanager
def throwaway(label: str) -> Iterator[Setup]:
    """A new database migrated to head (as the tests make theirs), dropped afterwards."""
    database = ThrowawayDatabase(label)
    database.create()
    try:
        setup = Setup(database)
        owner = setup.owner_app()
        with owner.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            db.engine.dispose()
        yield setup
    finally:
        database.drop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(module: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{port}", module],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"gunicorn for {module} did not start")


@contextmanager
def counting() -> Iterator[list[str]]:
    """Every statement sent while the block runs (the tenancy set_config included)."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def browser(app: Flask, headers: dict[str, str]) -> FlaskClient:
    """A test client holding the cookie of `headers` (its own jar ignores a Cookie header)."""
    client = app.test_client()
    if "Cookie" in headers:
        name, _, value = headers["Cookie"].partition("=")
        client.set_cookie(name, value)
    return client


def statement_counts(
    app: Flask,
    pages: dict[str, tuple[str, dict[str, str]]],
    before: Callable[[], None] | None = None,
    skip: tuple[str, ...] = (),
) -> dict[str, tuple[int, int]]:
    """(statements of a cold request, of the next one) per page, in-process. With `before`,
    the page is requested once first and `before` (e.g. emptying caches) runs in between;
    statements containing one of `skip` are not counted."""
    counts = {}
    for name, (path, headers) in pages.items():
        client = browser(app, headers)
        if before is not None:
            assert client.get(path).status_code == 200, path
            with app.app_context():
                before()
        with counting() as cold:
            assert client.get(path).status_code == 200, path
        with counting() as warm:
            assert client.get(path).status_code == 200, path
        counts[name] = tuple(
            len([s for s in sent if not any(x in s for x in skip)]) for sent in (cold, warm)
        )  # type: ignore[assignment]
    return counts


def cpu_per_request(app: Flask, path: str, headers: dict[str, str], requests: int) -> float:
    """Milliseconds of this process's CPU per request through the test client (after a few
    to warm up): what a page costs in Python whatever else the machine is doing."""
    client = browser(app, headers)
    for _ in range(5):
        assert client.get(path).status_code == 200, path
    started = time.process_time()
    for _ in range(requests):
        client.get(path)
    return (time.process_time() - started) * 1000 / requests


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system CPU of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def family(root: int) -> list[int]:
    """A process and its children (gunicorn's master and workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[1]) == root:
                children.append(int(entry.name))
    return [root, *children]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def backends(owner_url: str) -> list[int]:
    """PostgreSQL backend processes serving the bench database (not other users' work)."""
    engine = create_engine(owner_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            )
    finally:
        engine.dispose()


@dataclass
class Measured:
    result: Result
    python_ms: float  # gunicorn CPU per request
    postgres_ms: float  # the bench database's backends' CPU per request
    worker_mb: float  # largest worker RSS after the run
    bare_rps: float | None = None  # the bare endpoint in the slices between this page's


# A page's seconds are cut into this many slices, each followed by as long a slice of the
# bare endpoint (served alongside, idle meanwhile): this machine's speed moves by a factor
# of two or three within minutes, and a ratio to a bare figure taken minutes earlier
# measures the machine as much as the page.
SLICES = int(os.environ.get("BENCH_SLICES", "4"))


def merged(parts: list[Result]) -> Result:
    """One result of several runs of the same load."""
    return Result(
        sum(part.requests for part in parts),
        sum(part.errors for part in parts),
        sum(part.seconds for part in parts),
        [x for part in parts for x in part.latencies_ms],
        [x for part in parts for x in part.error_samples][:3],
        sum(part.set_cookies for part in parts),
    )


def prime(port: int, paths: list[str], headers: dict[str, str]) -> None:
    """Every path a few times on fresh connections, so each worker has rendered it once:
    on a loaded machine a 1 s warm-up leaves cold pages inside the measured seconds."""
    for path in paths:
        for _ in range(4):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", path, headers=headers)
                conn.getresponse().read()
            finally:
                conn.close()


def measure(
    port: int,
    server: int,
    owner_url: str,
    paths: list[str],
    headers: dict[str, str],
    connections: int = 2 * THREADS,
    bare_port: int | None = None,
) -> Measured:
    prime(port, paths, headers)
    threads = connections // 2
    hammer(port, paths, headers=headers, seconds=1.0, threads=threads)  # warm-up
    python = family(server)
    python_before = cpu_seconds(python)
    postgres_before = {pid: cpu_seconds([pid]) for pid in backends(owner_url)}
    bare: list[Result] = []
    if bare_port is None:
        result = hammer(port, paths, headers=headers, seconds=SECONDS, threads=threads)
    else:
        pieces = []
        for _ in range(SLICES):
            pieces.append(
                hammer(port, paths, headers=headers, seconds=SECONDS / SLICES, threads=threads)
            )
            bare.append(hammer(bare_port, ["/"], seconds=SECONDS / SLICES, threads=threads))
        result = merged(pieces)
    python_cpu = cpu_seconds(python) - python_before
    # Backends that began during the run count from zero (pooled ones rarely do).
    postgres_cpu = sum(
        cpu_seconds([pid]) - postgres_before.get(pid, 0.0) for pid in backends(owner_url)
    )
    requests = max(1, result.requests)
    return Measured(
        result,
        python_cpu * 1000 / requests,
        max(0.0, postgres_cpu) * 1000 / requests,
        max(rss_mb(pid) for pid in python[1:]) if len(python) > 1 else rss_mb(server),
        merged(bare).rps if bare else None,
    )


def run_served(
    owner_url: str, runs: list[tuple[str, dict[str, str], list[Scenario]]]
) -> dict[str, Measured]:
    """Serve each (module, environment) in turn and measure its scenarios one after another,
    each in slices alternating with the bare endpoint's (served alongside the whole time)."""
    results: dict[str, Measured] = {}
    bare_proc, bare_port = serve(BARE_MODULE, {})
    try:
        for module, env, scenarios in runs:
            proc, port = serve(module, env)
            try:
                for name, paths, headers in scenarios:
                    alongside = None if module == BARE_MODULE else bare_port
                    found = measure(
                        port, proc.pid, owner_url, paths, headers, connections_of(name), alongside
                    )
                    results[name] = found
                    beside = f" (bare alongside {found.bare_rps:.0f})" if found.bare_rps else ""
                    print(f"  {name}: {found.result.rps:.0f} req/s{beside}", flush=True)
                    for sample in found.result.error_samples:
                        print(f"    error: {sample}", flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    finally:
        bare_proc.terminate()
        bare_proc.wait(timeout=10)
    return results


def baseline(results: dict[str, Measured]) -> float:
    """The bare endpoint's req/s for rows measured without it alongside (the bare endpoint's
    own runs): the median of its runs at the start, in the middle and at the end."""
    runs = sorted(m.result.rps for name, m in results.items() if name.startswith(BARE))
    return statistics.median(runs)


def report(
    results: dict[str, Measured],
    counts: dict[str, tuple[int, int]],
    total: float,
    about: str,
    sql: str = "SQL cold / warm",
) -> None:
    """The Markdown table: req/s and the ratio to the bare endpoint of the same run first."""
    bare = baseline(results)
    print()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {machine}; load average {load}; {about}, {SECONDS:.0f}s per run")
    print(
        f"each page's ratio is to the bare endpoint measured in {SLICES} slices between its own"
        " (bare alongside)"
    )
    print()
    print(
        "| page | req/s | bare alongside | vs bare | p50 ms | p95 ms | p99 ms | errors "
        f"| Set-Cookie | CPU ms/req Python + PostgreSQL | worker MB | {sql} |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, measured in results.items():
        result = measured.result
        sql = counts.get(name)
        paired = measured.bare_rps
        print(
            f"| {name} | {result.rps:.0f} | {f'{paired:.0f}' if paired else '–'} | "
            f"{result.rps / (paired or bare):.0%} | "
            f"{result.percentile(50):.1f} | {result.percentile(95):.1f} | "
            f"{result.percentile(99):.1f} | {result.errors} | {result.set_cookies} | "
            f"{measured.python_ms:.2f} + {measured.postgres_ms:.2f} | "
            f"{measured.worker_mb:.0f} | {f'{sql[0]} / {sql[1]}' if sql else '–'} |"
        )
    print()
    print(f"total bench time: {total:.0f}s")

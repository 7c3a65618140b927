"""`python -m bench`: reader pages vs a bare Flask endpoint, gunicorn + PostgreSQL, loopback.

Creates a throwaway database (like the tests), migrates it, generates 5,000 articles, serves
the portal and a bare Flask app with the same gunicorn settings, drives both with a threaded
keep-alive client and prints throughput ratios, p50/p95/p99 and SQL queries per page.
"""

from __future__ import annotations

import http.client
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine

from bench import data
from bench.load import Result, hammer
from portal import create_app
from portal.content.models import Article, Category
from portal.extensions import db
from tests.support.database import APP_ROLE, ThrowawayDatabase

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "5000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--keep-alive", "5"]
SEARCHES = ["strategiene", "gevinstrealisering", "kompetanse", "styring av IT", "risiko",
            "målbilde", "digitale mål", "tiltak prioritering", "SWOT", "informasjon"]  # fmt: skip


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
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def query_counts(
    app: Flask, pages: dict[str, tuple[str, dict[str, str]]]
) -> dict[str, tuple[int, int]]:
    """(statements on the first request, on the second) per page, in-process."""
    counts = {}
    for name, (path, headers) in pages.items():
        client = browser(app, headers)
        with counting() as cold:
            assert client.get(path).status_code == 200, path
        with counting() as warm:
            assert client.get(path).status_code == 200, path
        counts[name] = (len(cold), len(warm))
    return counts


def browser(app: Flask, headers: dict[str, str]) -> FlaskClient:
    """A test client holding the cookie of `headers` (its own jar ignores a Cookie header)."""
    client = app.test_client()
    if "Cookie" in headers:
        name, _, value = headers["Cookie"].partition("=")
        client.set_cookie(name, value)
    return client


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
    port: int, server: int, owner_url: str, paths: list[str], headers: dict[str, str]
) -> Measured:
    prime(port, paths, headers)
    hammer(port, paths, headers=headers, seconds=1.0)  # warm-up
    python = family(server)
    python_before = cpu_seconds(python)
    postgres_before = {pid: cpu_seconds([pid]) for pid in backends(owner_url)}
    result = hammer(port, paths, headers=headers, seconds=SECONDS)
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
    )


def main() -> int:
    started = time.perf_counter()
    database = ThrowawayDatabase("bench")
    database.create()
    secret = secrets.token_hex(32)
    tmp = Path(tempfile.mkdtemp(prefix="veivalg-bench-"))
    config = {
        "VEIVALG_ENV": "production",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database.app_url,
        "DATABASE_OWNER_URL": database.owner_url,
        "DATABASE_APP_ROLE": APP_ROLE,
        "REDIS_URL": None,
        "MAIL_URL": f"file://{tmp / 'mail'}",
        "LOG_LEVEL": "WARNING",  # in-process only; the served portal logs as in production
    }
    servers: list[subprocess.Popen[bytes]] = []
    try:
        owner = create_app({**config, "SQLALCHEMY_DATABASE_URI": database.owner_url})
        with owner.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            # Rarer words of the corpus (the SEARCHES are common ones).
            selective_words = data.generate(ARTICLES, owner.config["TEASER_MAX_CHARS"])
            users = data.readers(secrets.token_urlsafe(12))
            serializer = owner.session_interface.get_signing_serializer(owner)
            assert serializer is not None
            cookie_name = owner.config["SESSION_COOKIE_NAME"]
            cookies = {
                who: {
                    "Cookie": f"{cookie_name}="
                    + serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
                }
                for who, user in users.items()
            }
            slugs = {
                access: list(db.session.scalars(
                    select(Article.slug).where(Article.access == access).limit(60)
                ))
                for access in ("paid", "members")
            }  # fmt: skip
            category = db.session.scalar(select(Category.slug).order_by(Category.id))
            db.engine.dispose()
        data.vacuum(database.owner_url)
        print(f"data: {ARTICLES} articles in {time.perf_counter() - started:.1f}s", flush=True)

        paid = [f"/articles/{s}" for s in slugs["paid"]]
        members = [f"/articles/{s}" for s in slugs["members"]]
        lists = [f"/articles/?page={n}" for n in range(1, 60)]
        categories = [f"/categories/{category}?page={n}" for n in range(1, 30)]
        searches = [f"/search?q={quote_plus(q)}" for q in SEARCHES]
        selective = [f"/search?q={quote_plus(q)}" for q in selective_words]

        # No outer app context here: each test-client request then gets its own `g`.
        app = create_app({**config, "CONTENT_CACHE_SECONDS": 0})  # count real queries
        counts = query_counts(
            app,
            {
                "anonymous teaser page, no cache": (paid[0], {}),
                "subscriber full page": (paid[1], cookies["subscriber"]),
                "free member, paid teaser": (paid[2], cookies["member"]),
                "free member, members article": (members[0], cookies["member"]),
                "organisation seat, paid article": (paid[3], cookies["seat"]),
                "list page, no cache": ("/articles/?page=7", {}),
                "category page, no cache": (categories[3], {}),
                "search, no cache": (searches[0], {}),
            },
        )
        gated = '<div class="paywalled-section">'
        assert gated not in app.test_client().get(paid[0]).get_data(True)
        for who, expected in (("subscriber", True), ("member", False), ("seat", True)):
            page = browser(app, cookies[who]).get(paid[0]).get_data(True)
            assert (gated in page) is expected, who
        with app.app_context():
            db.engine.dispose()

        env = {
            "VEIVALG_ENV": "production",
            "SECRET_KEY": secret,
            "DATABASE_URL": database.app_url,
            "MAIL_URL": config["MAIL_URL"],
        }
        # Anonymous pages twice: as production serves them (page cache on), and uncached.
        runs: list[tuple[str, dict[str, str], list[tuple[str, list[str], dict[str, str]]]]] = [
            ("bench.bare:app", env, [("bare Flask endpoint", ["/"], {})]),
            (
                "wsgi:app",
                env,
                [
                    ("anonymous teaser page", paid, {}),
                    ("subscriber full page", paid, cookies["subscriber"]),
                    ("free member, paid teaser", paid, cookies["member"]),
                    ("free member, members article", members, cookies["member"]),
                    ("organisation seat, paid article", paid, cookies["seat"]),
                    ("list page", lists, {}),
                    ("search", searches, {}),
                ],
            ),
            (
                "wsgi:app",
                {**env, "CONTENT_CACHE_SECONDS": "0"},
                [
                    ("anonymous teaser page, no cache", paid, {}),
                    ("list page, no cache", lists, {}),
                    ("category page, no cache", categories, {}),
                    ("search, no cache", searches, {}),
                    ("search, selective words, no cache", selective, {}),
                ],
            ),
            (  # for comparison: every page rendered and read afresh
                "wsgi:app",
                {**env, "CONTENT_CACHE_SECONDS": "0", "ARTICLE_CACHE_BYTES": "0"},
                [
                    ("subscriber full page, no fragments", paid, cookies["subscriber"]),
                    ("anonymous teaser page, no cache, no fragments", paid, {}),
                ],
            ),
        ]
        results: dict[str, Measured] = {}
        for module, run_env, scenarios in runs:
            proc, port = serve(module, run_env)
            servers.append(proc)
            for name, paths, headers in scenarios:
                results[name] = measure(port, proc.pid, database.owner_url, paths, headers)
                print(f"  {name}: {results[name].result.rps:.0f} req/s", flush=True)
                for sample in results[name].result.error_samples:
                    print(f"    error: {sample}", flush=True)
            proc.terminate()
            proc.wait(timeout=10)
        report(results, counts, time.perf_counter() - started)
        return 0
    finally:
        for proc in servers:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        database.drop()


def report(results: dict[str, Measured], counts: dict[str, tuple[int, int]], total: float) -> None:
    bare = results["bare Flask endpoint"].result.rps
    print()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {machine}; load average {load}; {ARTICLES} articles, {SECONDS:.0f}s per run")
    print()
    print(
        "| page | req/s | vs bare | p50 ms | p95 ms | p99 ms | errors | Set-Cookie "
        "| CPU ms/req Python + PostgreSQL | worker MB | SQL cold / warm |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, measured in results.items():
        result = measured.result
        sql = counts.get(name)
        print(
            f"| {name} | {result.rps:.0f} | {result.rps / bare:.0%} | "
            f"{result.percentile(50):.1f} | {result.percentile(95):.1f} | "
            f"{result.percentile(99):.1f} | {result.errors} | {result.set_cookies} | "
            f"{measured.python_ms:.2f} + {measured.postgres_ms:.2f} | "
            f"{measured.worker_mb:.0f} | {f'{sql[0]} / {sql[1]}' if sql else '–'} |"
        )
    print()
    print(f"total bench time: {total:.0f}s")


if __name__ == "__main__":
    sys.exit(main())

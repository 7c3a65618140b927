"""`python -m bench`: reader pages vs a bare Flask endpoint, gunicorn + PostgreSQL, loopback.

Creates a throwaway database (like the tests), migrates it, generates 5,000 articles, serves
the portal and a bare Flask app with the same gunicorn settings, drives both with a threaded
keep-alive client and prints throughput ratios, p50/p95/p99 and SQL queries per page.
"""

from __future__ import annotations

import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from bench import data
from bench.load import Result, hammer
from portal import create_app
from portal.content.models import Article
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


def query_counts(app: Flask, cookie: str, pages: dict[str, str]) -> dict[str, tuple[int, int]]:
    """(all queries, content queries) per page, in-process."""
    counts = {}
    for name, path in pages.items():
        client = app.test_client()
        if name.startswith("subscriber"):
            client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        client.get(path)
        with counting() as statements:
            assert client.get(path).status_code == 200, path
        own = [s for s in statements if "FROM users" not in s and "grants" not in s
               and "subscriptions" not in s and "memberships" not in s
               and "set_config" not in s]  # fmt: skip
        counts[name] = (len(statements), len(own))
    return counts


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
            data.generate(ARTICLES, owner.config["TEASER_MAX_CHARS"])
            user = data.subscriber(secrets.token_urlsafe(12))
            session = {"_user_id": user.get_id(), "_fresh": True}
            cookie = owner.session_interface.get_signing_serializer(owner).dumps(session)
            paid = list(db.session.scalars(
                select(Article.slug).where(Article.access == "paid").limit(60)
            ))  # fmt: skip
            db.engine.dispose()
        print(f"data: {ARTICLES} articles in {time.perf_counter() - started:.1f}s", flush=True)

        # No outer app context here: each test-client request then gets its own `g`.
        app = create_app({**config, "CONTENT_CACHE_SECONDS": 0})  # count real queries
        counts = query_counts(
            app,
            cookie,
            {
                "anonymous teaser": f"/articles/{paid[0]}",
                "subscriber full": f"/articles/{paid[0]}",
                "list": "/articles/?page=7",
                "search": "/search?q=strategiene",
            },
        )
        gated = '<div class="paywalled-section">'
        assert gated not in app.test_client().get(f"/articles/{paid[0]}").get_data(True)
        check = app.test_client()
        check.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        assert gated in check.get(f"/articles/{paid[0]}").get_data(True)
        with app.app_context():
            db.engine.dispose()

        env = {
            "VEIVALG_ENV": "production",
            "SECRET_KEY": secret,
            "DATABASE_URL": database.app_url,
            "MAIL_URL": config["MAIL_URL"],
        }
        subscriber_headers = {"Cookie": f"{owner.config['SESSION_COOKIE_NAME']}={cookie}"}
        articles = [f"/articles/{s}" for s in paid]
        lists = [f"/articles/?page={n}" for n in range(1, 60)]
        searches = [f"/search?q={quote_plus(q)}" for q in SEARCHES]
        # Anonymous pages twice: as production serves them (page cache on), and uncached.
        runs: list[tuple[str, dict[str, str], list[tuple[str, list[str], dict[str, str]]]]] = [
            ("bench.bare:app", env, [("bare Flask endpoint", ["/"], {})]),
            (
                "wsgi:app",
                env,
                [
                    ("anonymous teaser page", articles, {}),
                    ("subscriber full page", articles, subscriber_headers),
                    ("list page", lists, {}),
                    ("search", searches, {}),
                ],
            ),
            (
                "wsgi:app",
                {**env, "CONTENT_CACHE_SECONDS": "0"},
                [
                    ("anonymous teaser page, no cache", articles, {}),
                    ("list page, no cache", lists, {}),
                    ("search, no cache", searches, {}),
                ],
            ),
        ]
        results: dict[str, Result] = {}
        for module, run_env, scenarios in runs:
            proc, port = serve(module, run_env)
            servers.append(proc)
            for name, paths, headers in scenarios:
                hammer(port, paths, headers=headers, seconds=1.0)  # warm-up
                results[name] = hammer(port, paths, headers=headers, seconds=SECONDS)
                print(f"  {name}: {results[name].rps:.0f} req/s", flush=True)
                for sample in results[name].error_samples:
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


def report(results: dict[str, Result], counts: dict[str, tuple[int, int]], total: float) -> None:
    bare = results["bare Flask endpoint"].rps
    names = {
        "anonymous teaser page, no cache": "anonymous teaser",
        "subscriber full page": "subscriber full",
        "list page, no cache": "list",
        "search, no cache": "search",
    }
    print()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"machine: {machine}; {ARTICLES} articles, {SECONDS:.0f}s per run")
    print()
    print("| page | req/s | vs bare | p50 ms | p95 ms | p99 ms | errors | SQL (all / content) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, result in results.items():
        sql = counts.get(names.get(name, ""))
        print(
            f"| {name} | {result.rps:.0f} | {result.rps / bare:.0%} | "
            f"{result.percentile(50):.1f} | {result.percentile(95):.1f} | "
            f"{result.percentile(99):.1f} | {result.errors} | "
            f"{f'{sql[0]} / {sql[1]}' if sql else '–'} |"
        )
    print()
    print(f"total bench time: {total:.0f}s")


if __name__ == "__main__":
    sys.exit(main())

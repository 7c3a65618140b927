"""`python -m bench.workspace`: a big workbook's overview and dashboard vs a bare endpoint.

The workbook has 50 goals (24 measurements each) and 200 measures, as issue 10 asks; both
pages are served by gunicorn on PostgreSQL like the reader bench, and the report gives req/s,
the ratio to the bare Flask endpoint in the same run, latencies and SQL statements per page.
"""

from __future__ import annotations

import os
import platform
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from bench.__main__ import counting, serve
from bench.load import Result, hammer
from portal import create_app
from portal.accounts import service as accounts_service
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.workspace import service, templates_loader
from portal.workspace.models import Goal, Measure, MeasureGoal, Measurement
from tests.support.database import APP_ROLE, ThrowawayDatabase

ROOT = Path(__file__).resolve().parents[1]
GOALS, READINGS, MEASURES = 50, 24, 200
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))


def build() -> tuple[str, int]:
    """The owner's e-mail and the id of a workbook of the asked size (bulk inserts)."""
    owner = accounts_service.create_user("eier@bench.example", "Eier", None, verified=True)
    org = orgs_service.create_organization(owner, "Bench AS", "bench", "f@bench.example")
    templates_loader.load()
    template = next(t for t in service.latest_templates() if t.key == "ikt-strategi")
    start = date.today().replace(month=1, day=1)
    with scoping.org_scope(org):
        wb = service.create_workbook(org, owner, template, "Stor arbeidsbok", start.year,
                                     start.year + 3)  # fmt: skip
        goals = [
            Goal(org_id=org.id, workbook_id=wb.id, title=f"Mål {n}", indicator_unit="%",
                 baseline=Decimal(0), target=Decimal(100), owner_id=owner.id)
            for n in range(GOALS)
        ]  # fmt: skip
        db.session.add_all(goals)
        db.session.flush()
        db.session.add_all(
            Measurement(org_id=org.id, goal_id=g.id, measured_on=start - timedelta(days=30 * m),
                        value=Decimal(m * 4), note="")
            for g in goals for m in range(READINGS)
        )  # fmt: skip
        measures = [
            Measure(org_id=org.id, workbook_id=wb.id, title=f"Tiltak {n}", owner_id=owner.id,
                    priority=n % 3 + 1, effect=n % 5 + 1, effort=(n * 2) % 5 + 1,
                    start_date=start + timedelta(days=5 * n),
                    end_date=start + timedelta(days=5 * n + 90), status="planned",
                    milestones=[])
            for n in range(MEASURES)
        ]  # fmt: skip
        db.session.add_all(measures)
        db.session.flush()
        db.session.add_all(
            MeasureGoal(org_id=org.id, measure_id=m.id, goal_id=goals[n % GOALS].id)
            for n, m in enumerate(measures)
        )
        db.session.flush()
    db.session.commit()
    return owner.get_id(), wb.id


def statement_counts(app: Flask, cookie: str, pages: dict[str, str]) -> dict[str, tuple[int, int]]:
    """(all statements, the workspace's own) per page, in-process, after a warm-up."""
    counts = {}
    for name, path in pages.items():
        client = app.test_client()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        assert client.get(path).status_code == 200, path
        with counting() as statements:
            assert client.get(path).status_code == 200, path
        statements = [s for s in statements if "set_config" not in s]
        own = [s for s in statements if "FROM users" not in s and "memberships" not in s
               and "FROM organizations" not in s]  # fmt: skip
        counts[name] = (len(statements), len(own))
    return counts


def main() -> int:
    started = time.perf_counter()
    database = ThrowawayDatabase("bench_ws")
    database.create()
    secret = secrets.token_hex(32)
    tmp = Path(tempfile.mkdtemp(prefix="veivalg-bench-"))
    config = {
        "VEIVALG_ENV": "production", "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database.app_url, "DATABASE_OWNER_URL": database.owner_url,
        "DATABASE_APP_ROLE": APP_ROLE, "REDIS_URL": None, "MAIL_URL": f"file://{tmp / 'mail'}",
        "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    servers = []
    try:
        owner_app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database.owner_url})
        with owner_app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            user_id, workbook_id = build()
            session = {"_user_id": user_id, "_fresh": True}
            cookie = owner_app.session_interface.get_signing_serializer(owner_app).dumps(session)
            db.engine.dispose()
        print(f"data: {GOALS} goals × {READINGS} readings, {MEASURES} measures "
              f"in {time.perf_counter() - started:.1f}s", flush=True)  # fmt: skip
        pages = {
            "workbook overview": f"/orgs/bench/workspace/{workbook_id}/",
            "dashboard": f"/orgs/bench/workspace/{workbook_id}/dashboard",
        }
        app = create_app(config)
        counts = statement_counts(app, cookie, pages)
        with app.app_context():
            db.engine.dispose()
        env = {"VEIVALG_ENV": "production", "SECRET_KEY": secret,
               "DATABASE_URL": database.app_url, "MAIL_URL": config["MAIL_URL"]}  # fmt: skip
        headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}
        results: dict[str, Result] = {}
        for module, scenarios in [
            ("bench.bare:app", [("bare Flask endpoint", "/", {})]),
            ("wsgi:app", [(name, path, headers) for name, path in pages.items()]),
        ]:
            proc, port = serve(module, env)
            servers.append(proc)
            for name, path, hdrs in scenarios:
                hammer(port, [path], headers=hdrs, seconds=1.0)  # warm-up
                results[name] = hammer(port, [path], headers=hdrs, seconds=SECONDS)
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
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; {SECONDS:.0f}s per run")  # fmt: skip
    print()
    print("| page | req/s | vs bare | p50 ms | p95 ms | p99 ms | errors | SQL (all / workspace) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, result in results.items():
        sql = counts.get(name)
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

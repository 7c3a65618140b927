"""`python -m bench.workspace`: a big workbook's overview and dashboard vs a bare endpoint.

The workbook has 50 goals (24 measurements each) and 200 measures, as issue 10 asks. The pages
(and the workspace front) are measured twice: in-process, as CPU per request through the test
client next to the bare Flask app the same way (what a page costs whatever the machine is
doing), and served by gunicorn on PostgreSQL like the reader bench (bench/serve.py): req/s,
the ratio to the bare endpoint in the same run, latencies, CPU per request and SQL statements
per page, fresh (every workspace cache emptied) and warm.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from flask import Flask

from bench.bare import app as bare_app
from bench.serve import (
    BARE,
    Scenario,
    cpu_per_request,
    report,
    run_served,
    statement_counts,
    throwaway,
)
from portal import create_app
from portal.accounts import service as accounts_service
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.workspace import cache, service, templates_loader
from portal.workspace.models import Goal, Measure, MeasureGoal, Measurement

GOALS, READINGS, MEASURES = 50, 24, 200
REQUESTS = int(os.environ.get("BENCH_INPROCESS_REQUESTS", "300"))
ROUNDS = int(os.environ.get("BENCH_INPROCESS_ROUNDS", "3"))
# `--in-process`: only the CPU per request and the statements (no gunicorn), for measuring a
# change on a busy machine, where served req/s mean nothing.
IN_PROCESS_ONLY = "--in-process" in sys.argv[1:]


def build() -> tuple[str, int]:
    """The owner's user id (as a session holds it) and the id of a workbook of the asked size
    (bulk inserts)."""
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


def main() -> int:
    started = time.perf_counter()
    with throwaway("bench_ws") as setup:
        owner_app = setup.owner_app()
        with owner_app.app_context():
            user_id, workbook_id = build()
            cookie = setup.cookie(owner_app, user_id)
            db.engine.dispose()
        print(f"data: {GOALS} goals × {READINGS} readings, {MEASURES} measures "
              f"in {time.perf_counter() - started:.1f}s", flush=True)  # fmt: skip
        pages = {
            "workbook overview": f"/orgs/bench/workspace/{workbook_id}/",
            "dashboard": f"/orgs/bench/workspace/{workbook_id}/dashboard",
            "workspace front": "/orgs/bench/workspace/",
        }
        # No outer app context here: each test-client request then gets its own `g`.
        app = create_app(setup.config)
        counts = statement_counts(
            app, {name: (path, cookie) for name, path in pages.items()},
            before=cache.clear, skip=("set_config",),
        )  # fmt: skip
        with_guc = statement_counts(
            app, {name: (path, cookie) for name, path in pages.items()}, before=cache.clear
        )
        for name, (fresh, warm) in with_guc.items():
            print(f"  {name}: round trips fresh / warm, set_config included: {fresh} / {warm}")
        in_process(app, pages, cookie)
        with app.app_context():
            db.engine.dispose()
        if IN_PROCESS_ONLY:
            for name, (fresh, warm) in counts.items():
                print(f"  {name}: SQL fresh / warm {fresh} / {warm}", flush=True)
            return 0
        runs: list[tuple[str, dict[str, str], list[Scenario]]] = [
            ("bench.bare:app", setup.env, [(BARE, ["/"], {})]),
            ("wsgi:app", setup.env, [(name, [path], cookie) for name, path in pages.items()]),
        ]
        results = run_served(setup.database.owner_url, runs)
        about = f"{GOALS} goals × {READINGS} readings, {MEASURES} measures"
        report(results, counts, time.perf_counter() - started, about, "SQL fresh / warm")
    return 0


def in_process(app: Flask, pages: dict[str, str], cookie: dict[str, str]) -> None:
    """CPU per request through the test client, the bare app measured the same way; the best
    of ROUNDS rounds, taken in turn (the machine is shared and noisy)."""
    best: dict[str, float] = {}
    for _ in range(ROUNDS):
        spent = cpu_per_request(bare_app, "/", {}, REQUESTS * 5)
        best[BARE] = min(best.get(BARE, spent), spent)
        for name, path in pages.items():
            spent = cpu_per_request(app, path, cookie, REQUESTS)
            best[name] = min(best.get(name, spent), spent)
    bare = best[BARE]
    print(f"in-process CPU per request (best of {ROUNDS} rounds of {REQUESTS} requests):",
          flush=True)  # fmt: skip
    print(f"  {BARE}: {bare:.3f} ms", flush=True)
    for name in pages:
        print(f"  {name}: {best[name]:.2f} ms ({bare / best[name]:.0%} of bare)", flush=True)


if __name__ == "__main__":
    sys.exit(main())

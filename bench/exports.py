"""`python -m bench.exports`: render time per format, jobs per minute with two workers, and
the workers' memory over many jobs.

1. Renders a typical document (20 goals, 50 measures) and a large one (20 goals, 500 measures)
   in every format, in-process, best of a few runs.
2. Starts a throwaway PostgreSQL database, its own redis-server and two `celery worker`
   processes (solo pool, as the compose worker runs one task at a time per process), seeds a
   typical workbook through the workspace's services, queues JOBS (BENCH_EXPORT_JOBS, 100)
   PDF export jobs of it through the outbox like the web does, and times them to the last
   `done`; then a tenth as many organisation data exports, timed the same way.
3. Reads each worker's resident memory after the first tenth of the PDF jobs and at their end
   (VmRSS), and its peak (VmHWM), from /proc.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import create_app
from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.exports import service
from portal.exports.models import DONE, ExportJob
from portal.exports.render_docx import render_docx
from portal.exports.render_md import render_markdown
from portal.exports.render_pdf import render_pdf
from portal.exports.render_xlsx import render_xlsx
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.workspace import planning, templates_loader
from portal.workspace import service as workspace
from portal.workspace.models import Goal, Measure
from tests.exports.documents import sized_document
from tests.support.database import ThrowawayDatabase
from tests.support.services import RedisServer, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
JOBS = int(os.environ.get("BENCH_EXPORT_JOBS", "100"))
GOALS, READINGS, MEASURES = 20, 6, 50  # the typical workbook of issue 11
RENDERERS = {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx, "md": render_markdown}


def best_of(fn, runs: int = 3) -> tuple[float, float]:  # noqa: ANN001
    """(wall, CPU) seconds of the fastest run; CPU time says more on a busy machine."""
    times = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(times)


def render_times() -> None:
    app = create_app({"VEIVALG_ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        render_pdf(sized_document(1, 1))  # fonts and stylesheet loaded once per process
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            "| format | typical (20 goals, 50 measures): wall / CPU | large (500 measures): "
            "wall / CPU | size (large) |"
        )
        print("|---|---|---|---|")
        typical, large = sized_document(20, 50), sized_document(20, 500)
        for name, render in RENDERERS.items():
            small = best_of(lambda r=render: r(typical))
            big = best_of(lambda r=render: r(large), runs=2)
            size = len(render(large)) // 1024
            print(f"| {name} | {small[0]:.2f} s / {small[1]:.2f} s | {big[0]:.2f} s / "
                  f"{big[1]:.2f} s | {size} KB |")  # fmt: skip


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def seed() -> tuple[User, int, int]:
    """An owner, an organisation and a typical workbook (GOALS goals with READINGS readings
    each, MEASURES measures linked to them), written through the workspace's own services."""
    owner = accounts_service.create_user("eier@example.org", "Eva", None, verified=True)
    org = orgs_service.create_organization(owner, "Bench AS", "bench", "f@example.org")
    templates_loader.load()
    template = next(t for t in workspace.latest_templates() if t.key == "ikt-strategi")
    year = date.today().year
    with scoping.org_scope(org):
        wb = workspace.create_workbook(org, owner, template, "Typisk arbeidsbok", year, year + 3)
        goals = []
        for n in range(GOALS):
            goal = planning.save(org, owner, wb, Goal(), {
                "title": f"Mål {n} for økt digitalisering", "indicator_unit": "%",
                "baseline": Decimal(n), "target": Decimal(100), "owner_id": owner.id,
            })  # fmt: skip
            for m in range(READINGS):
                planning.add_measurement(org, owner, wb, goal, date(year, 1 + m, 1),
                                         Decimal(m * 5), "")  # fmt: skip
            goals.append(goal)
        for n in range(MEASURES):
            planning.save(org, owner, wb, Measure(), {
                "title": f"Tiltak {n}: innføre løsning for område {n % 17}",
                "description": "Beskrivelse med æøå " * 4, "owner_id": owner.id,
                "priority": n % 3 + 1, "effect": n % 5 + 1, "effort": (n + 2) % 5 + 1,
                "investment_nok": Decimal(n * 1000), "operating_nok": Decimal(n * 100),
                "start_date": date(year, 1, 1), "end_date": date(year + 1, 1 + n % 12, 1),
                "status": "planned", "milestones": [],
            }, goal_ids=[goals[n % GOALS].id])  # fmt: skip
    db.session.commit()
    return owner, org.id, wb.id


def run_jobs(
    org_id: int,
    count: int,
    request: Callable[[Organization], None],
    workers: list[subprocess.Popen[bytes]],
) -> tuple[float, list[tuple[int, int]]]:
    """Request `count` jobs as the web does and wait for them all to be done: the seconds it
    took, and the workers' memory once the first tenth were done."""

    def done() -> int:
        with scoping.system_scope():
            count = db.session.scalar(
                select(func.count(ExportJob.id)).where(ExportJob.status == DONE)
            )
        db.session.commit()
        return count

    before = done()
    started = time.perf_counter()
    early: list[tuple[int, int]] = []
    tenth = max(count // 10, 1)
    for n in range(count):
        request(orgs_service.get_by_id(org_id))
        db.session.commit()  # the outbox entry is handed to Redis after commit
        if n + 1 == tenth:
            wait_for(lambda: done() >= before + tenth, timeout=300, interval=0.1)
            early = [memory(w.pid) for w in workers]
    wait_for(lambda: done() >= before + count, timeout=1800, interval=0.2)
    return time.perf_counter() - started, early


def jobs_per_minute() -> None:
    database = ThrowawayDatabase("bench_exports")
    database.create()
    tmp = Path(tempfile.mkdtemp(prefix="veivalg-bench-exports-"))
    redis = RedisServer(tmp)
    redis.start()
    config = {
        "VEIVALG_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database.app_url, "DATABASE_OWNER_URL": database.owner_url,
        "DATABASE_APP_ROLE": "veivalg_test_app", "REDIS_URL": redis.url,
        "MAIL_URL": f"file://{tmp / 'mail'}", "EXPORT_DIR": str(tmp / "exports"),
    }  # fmt: skip
    workers: list[subprocess.Popen[bytes]] = []
    try:
        owner_app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database.owner_url})
        with owner_app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            db.engine.dispose()
        app = create_app(config)
        env = {**os.environ, "VEIVALG_ENV": "production", "SECRET_KEY": config["SECRET_KEY"],
               "DATABASE_URL": database.app_url, "REDIS_URL": redis.url,
               "MAIL_URL": config["MAIL_URL"], "EXPORT_DIR": config["EXPORT_DIR"]}  # fmt: skip
        for n in range(2):
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "worker.celery_app:celery",
                        "worker",
                        "--pool",
                        "solo",
                        "--without-heartbeat",
                        "--without-mingle",
                        "--without-gossip",
                        "-n",
                        f"bench{n}-{free_port()}@%h",
                        "-l",
                        "WARNING",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
        time.sleep(6)  # the workers connect and import the portal
        with app.app_context():
            owner, org_id, workbook_id = seed()

            def pdf_job(org: Organization) -> None:
                service.request_export(org, owner, workbook_id, "pdf", "nb")

            def data_job(org: Organization) -> None:
                service.request_org_data_export(org, owner, "nb")

            elapsed, early = run_jobs(org_id, JOBS, pdf_job, workers)
            late = [memory(w.pid) for w in workers]
            data_jobs = max(JOBS // 10, 1)
            data_elapsed, _early = run_jobs(org_id, data_jobs, data_job, workers)
        print(f"\n{JOBS} PDF export jobs of a typical workbook ({GOALS} goals, {MEASURES} "
              f"measures), two solo workers: {elapsed:.1f} s, {JOBS / elapsed * 60:.0f} jobs "
              f"per minute")  # fmt: skip
        for n, ((rss_early, _), (rss_late, peak)) in enumerate(zip(early, late, strict=True)):
            print(f"worker {n}: RSS after {max(JOBS // 10, 1)} jobs {rss_early} MB, after "
                  f"{JOBS} jobs {rss_late} MB, peak {peak} MB")  # fmt: skip
        print(
            f"{data_jobs} organisation data export jobs (JSON, and the workbook as PDF and "
            f"XLSX): {data_elapsed:.1f} s, {data_jobs / data_elapsed * 60:.0f} jobs per minute"
        )
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        redis.stop()
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    render_times()
    jobs_per_minute()

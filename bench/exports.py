"""`python -m bench.exports`: render time per format, jobs per minute with two workers, and
the workers' memory over many jobs.

1. Renders a typical document (20 goals, 50 measures) and a large one (20 goals, 500 measures)
   in every format, in-process, best of a few runs.
2. Starts a throwaway PostgreSQL database, its own redis-server and two `celery worker`
   processes (solo pool, as the compose worker runs one task at a time per process), queues
   JOBS export jobs through the outbox like the web does, and times them to the last `done`.
3. Reads each worker's resident memory after the first tenth of the jobs and at the end
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
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import create_app
from portal.accounts import service as accounts_service
from portal.exports import service
from portal.exports.models import DONE, ExportJob
from portal.exports.render_docx import render_docx
from portal.exports.render_md import render_markdown
from portal.exports.render_pdf import render_pdf
from portal.exports.render_xlsx import render_xlsx
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from tests.exports.documents import sized_document
from tests.support.database import ThrowawayDatabase
from tests.support.services import RedisServer, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
JOBS = int(os.environ.get("BENCH_EXPORT_JOBS", "100"))
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
            owner = accounts_service.create_user("eier@example.org", "Eva", None, verified=True)
            org = orgs_service.create_organization(owner, "Bench AS", "bench", "f@example.org")
            db.session.commit()
            org_id = org.id

            def done() -> int:
                with scoping.system_scope():
                    count = db.session.scalar(
                        select(func.count(ExportJob.id)).where(ExportJob.status == DONE)
                    )
                db.session.commit()
                return count

            started = time.perf_counter()
            early: list[tuple[int, int]] = []
            for n in range(JOBS):
                org = orgs_service.get_by_id(org_id)
                service.request_org_data_export(org, owner, "nb")
                db.session.commit()  # the outbox entry is handed to Redis after commit
                if n == JOBS // 10:
                    wait_for(lambda: done() >= JOBS // 10, timeout=120, interval=0.1)
                    early = [memory(w.pid) for w in workers]
            wait_for(lambda: done() >= JOBS, timeout=600, interval=0.2)
            elapsed = time.perf_counter() - started
        late = [memory(w.pid) for w in workers]
        print(f"\n{JOBS} organisation data export jobs, two solo workers: {elapsed:.1f} s, "
              f"{JOBS / elapsed * 60:.0f} jobs per minute")  # fmt: skip
        for n, ((rss_early, _), (rss_late, peak)) in enumerate(zip(early, late, strict=True)):
            print(f"worker {n}: RSS after {JOBS // 10} jobs {rss_early} MB, after {JOBS} jobs "
                  f"{rss_late} MB, peak {peak} MB")  # fmt: skip
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

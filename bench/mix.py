"""`python -m bench.mix`: a constant-rate mix of real traffic on gunicorn (production settings,
PostgreSQL, Redis, a Celery worker), with the app's connections killed a few times.

Every answer is checked for content: the gated part only for readers entitled to it, an
organisation's page (overview, workspace, dashboard, exports, the export files it asked for)
with its own name and never the other's. Reports throughput, p50/p95/p99
per kind, statuses, transport errors and web/worker memory at start and end. Loopback only.
Settings: BENCH_MIX_SECONDS (60), BENCH_MIX_RATE (requests/s, 20), BENCH_MIX_KILLS (3).
"""

from __future__ import annotations

import os
import platform
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select, text

from bench.mix_exports import ExportTraffic
from bench.mixkit import Outcome, cpu_seconds, fetch, process_tree, rss_kb, timed_request
from portal import create_app, demo
from portal.accounts import service as accounts_service
from portal.content.models import Article
from portal.extensions import db
from portal.orgs import scoping
from tests.support.database import APP_ROLE, ThrowawayDatabase, terminate_backends
from tests.support.services import RedisServer, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_MIX_SECONDS", "60"))
RATE = float(os.environ.get("BENCH_MIX_RATE", "20"))
KILLS = int(os.environ.get("BENCH_MIX_KILLS", "3"))
PASSWORD = "bench-mix-" + secrets.token_hex(8)
WORD_RE = re.compile(r"[a-zæøå]{9,}")
LOGIN_USERS = 20
SEARCHES = ("strategi", "digitalisering", "risiko", "gevinst", "kompetanse", "mål")
DASHBOARD = "/orgs/<org_slug>/workspace/<int:workbook_id>/dashboard"
EXPORT_FORM = "/orgs/<org_slug>/exports/"
READERS = {
    "member": "reader@example.com",
    "subscriber": "subscriber@example.com",
    "acme": "owner@acme.example.com",
    "fjord": "owner@fjord.example.com",
}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Plan:
    """What the mix requests, and what each answer must (not) contain."""

    cookies: dict[str, str]
    paid: list[str]
    members: list[str]
    # A word found only behind each gated article's paywall: its presence means full text.
    gated_words: dict[str, str]
    org_pages: dict[str, list[str]] = field(default_factory=dict)
    # Each organisation's first workbook, exported by the mix once the exports' routes exist.
    workbooks: dict[str, int] = field(default_factory=dict)


def prepare(database: ThrowawayDatabase, config: dict[str, object]) -> Plan:
    """Migrate, seed the demo data and bench users; sign session cookies for the readers."""
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database.owner_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        demo.seed_all()
        for n in range(LOGIN_USERS):
            accounts_service.create_user(f"leser{n}@mix.example", "Leser", PASSWORD, verified=True)
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookies = {}
        for who, email in READERS.items():
            user = accounts_service.find_by_email(email)
            token = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
            cookies[who] = f"{app.config['SESSION_COOKIE_NAME']}={token}"
        slugs = {
            access: list(db.session.scalars(select(Article.slug).where(Article.access == access)))
            for access in ("members", "paid")
        }
        gated_words = gated_only_words(list(db.session.scalars(select(Article))))
        rules = {r.rule for r in app.url_map.iter_rules()}
        dashboards = {}
        if DASHBOARD in rules:
            with scoping.system_scope():
                for slug in ("acme", "fjord"):
                    dashboards[slug] = db.session.scalar(
                        text(
                            "SELECT w.id FROM workbooks w JOIN organizations o ON o.id = w.org_id"
                            " WHERE o.slug = :slug ORDER BY w.id LIMIT 1"
                        ),
                        {"slug": slug},
                    )
        db.engine.dispose()
    plan = Plan(cookies, slugs["paid"], slugs["members"], gated_words)
    for slug in ("acme", "fjord"):
        pages = [f"/orgs/{slug}/"]
        # The workspace and exports, once their routes exist (issues 10 and 11).
        for extra in ("/orgs/<org_slug>/workspace/", "/orgs/<org_slug>/exports/"):
            if extra in rules:
                pages.append(extra.replace("<org_slug>", slug))
        if dashboards.get(slug):
            pages.append(f"/orgs/{slug}/workspace/{dashboards[slug]}/dashboard")
        plan.org_pages[slug] = pages
        if dashboards.get(slug) and EXPORT_FORM in rules:
            plan.workbooks[slug] = dashboards[slug]
    return plan


def gated_only_words(articles: list[Article]) -> dict[str, str]:
    """For each gated article, a long word of its gated part that no title, lede or teaser of
    any article has (so a teaser page, its related articles included, never shows it)."""
    public = set()
    for article in articles:
        public |= set(
            WORD_RE.findall(f"{article.title} {article.lede} {article.teaser_text}".lower())
        )
    words = {}
    for article in articles:
        if article.access == "public":
            continue
        gated = article.body_text.lower().removeprefix(article.teaser_text.lower())
        candidates = [w for w in WORD_RE.findall(gated) if w not in public]
        if candidates:
            words[article.slug] = max(candidates, key=len)
    return words


def make_requests(port: int, plan: Plan) -> list[tuple[str, int, Callable[[], Outcome]]]:
    """(kind, weight, request) for each kind of the mix; each returns a checked Outcome."""
    rng = random.Random(11)

    def timed(kind: str, method: str, path: str, cookie: str | None,
              check: Callable[[int, str], str], body: str | None = None) -> Outcome:  # fmt: skip
        return timed_request(port, kind, method, path, cookie, lambda s, t, _: check(s, t), body)

    def gated(slug: str, expected: bool) -> Callable[[int, str], str]:
        word = plan.gated_words[slug]

        def check(status: int, text: str) -> str:
            if status != 200:
                return f"status {status}"
            full = word in text.lower()
            if full != expected or full == ('id="paywall"' in text):
                return "gated text shown" if not expected else "gated text missing"
            return ""

        return check

    def article(kind: str, slugs: list[str], who: str | None, full: bool) -> Outcome:
        slug = pick([s for s in slugs if s in plan.gated_words])
        cookie = plan.cookies[who] if who else None
        return timed(kind, "GET", f"/articles/{slug}", cookie, gated(slug, full))

    def org(own: str, other: str) -> Callable[[int, str], str]:
        names = {"acme": "Acme AS", "fjord": "Fjord kommune"}

        def check(status: int, text: str) -> str:
            if status != 200:
                return f"status {status}"
            if names[own] not in text:
                return "own organisation missing"
            return "another organisation's page" if names[other] in text else ""

        return check

    def ok(status: int, text: str) -> str:
        return "" if status == 200 else f"status {status}"

    def login() -> Outcome:
        n = rng.randrange(LOGIN_USERS)
        status, text, headers = fetch(port, "GET", "/login", {})
        match = CSRF_RE.search(text)
        cookie = headers.get("set-cookie", "").split(";")[0]
        if not match:
            return Outcome("login", status, 0, time.perf_counter(), "no login form")
        form = urllib.parse.urlencode(
            {"csrf_token": match.group(1), "email": f"leser{n}@mix.example", "password": PASSWORD}
        )
        return timed("login", "POST", "/login", cookie,
                     lambda s, _: "" if s in (302, 303) else f"status {s}", form)  # fmt: skip

    def pick(items: list[str]) -> str:
        return rng.choice(items)

    kinds: list[tuple[str, int, Callable[[], Outcome]]] = [
        ("anonymous teaser", 30,
         lambda: article("anonymous teaser", plan.paid + plan.members, None, False)),
        ("free member page", 15,
         lambda: article("free member page", plan.members, "member", True)),
        ("free member, paid teaser", 5,
         lambda: article("free member, paid teaser", plan.paid, "member", False)),
        ("subscriber page", 15,
         lambda: article("subscriber page", plan.paid, "subscriber", True)),
        ("search", 10, lambda: timed(
            "search", "GET", f"/search?q={urllib.parse.quote(pick(list(SEARCHES)))}", None, ok)),
        ("login", 3, login),
    ]  # fmt: skip
    for own, other in (("acme", "fjord"), ("fjord", "acme")):
        for path in plan.org_pages[own]:
            rest = re.sub(r"\d+", "<id>", path.removeprefix(f"/orgs/{own}").strip("/"))
            kind = f"organisation {rest or 'overview'}"
            kinds.append((kind, 6, lambda p=path, o=own, x=other, k=kind: timed(
                k, "GET", p, plan.cookies[o], org(o, x))))  # fmt: skip
    if plan.workbooks:
        owners = {slug: plan.cookies[slug] for slug in plan.workbooks}
        kinds += ExportTraffic(port, owners, plan.workbooks).kinds()
    return kinds


def drive(port: int, plan: Plan, database: ThrowawayDatabase) -> tuple[list[Outcome], list[float]]:
    """Send the mix at a constant rate for SECONDS (open loop: a slow answer does not slow the
    schedule), killing the app's database connections KILLS times, evenly spaced."""
    kinds = make_requests(port, plan)
    choices = [make for _, weight, make in kinds for _ in range(weight)]
    rng = random.Random(7)
    outcomes: list[Outcome] = []
    kills: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter()
    kill_at = [start + SECONDS * (n + 1) / (KILLS + 1) for n in range(KILLS)]

    def run(make: Callable[[], Outcome]) -> None:
        outcome = make()
        with lock:
            outcomes.append(outcome)

    with ThreadPoolExecutor(max_workers=64) as pool:
        n = 0
        while (due := start + n / RATE) < start + SECONDS:
            time.sleep(max(0.0, due - time.perf_counter()))
            if kill_at and time.perf_counter() >= kill_at[0]:
                kill_at.pop(0)
                terminate_backends(database.name)
                kills.append(time.perf_counter())
            pool.submit(run, rng.choice(choices))
            n += 1
    return outcomes, kills


def report(outcomes: list[Outcome], kills: list[float], memory: dict[str, tuple[int, int]],
           cpu: dict[str, float], elapsed: float) -> int:  # fmt: skip
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
          f"{SECONDS:.0f}s at {RATE:.0f} req/s target, {len(kills)} connection kills")  # fmt: skip
    print(f"throughput: {len(outcomes) / elapsed:.1f} req/s ({len(outcomes)} requests)\n")
    print("| kind | requests | p50 ms | p95 ms | p99 ms | statuses | problems |")
    print("|---|---|---|---|---|---|---|")
    for kind, items in sorted(by_kind.items()):
        times = sorted(o.ms for o in items if o.status)
        pct = [times[min(len(times) - 1, int(len(times) * p / 100))] if times else 0
               for p in (50, 95, 99)]  # fmt: skip
        statuses = Counter(o.status for o in items)
        problems = Counter(o.problem for o in items if o.problem)
        print(f"| {kind} | {len(items)} | {pct[0]:.0f} | {pct[1]:.0f} | {pct[2]:.0f} | "
              f"{dict(sorted(statuses.items()))} | {dict(problems) or '–'} |")  # fmt: skip
    print("\n| process | RSS at start (MB) | RSS at end (MB) |\n|---|---|---|")
    for name, (before, after) in memory.items():
        print(f"| {name} | {before / 1024:.0f} | {after / 1024:.0f} |")
    print(f"\nCPU per request: web {cpu['web'] * 1000 / max(1, len(outcomes)):.1f} ms, "
          f"worker {cpu['worker'] * 1000 / max(1, len(outcomes)):.1f} ms "
          f"(web {cpu['web']:.1f} s, worker {cpu['worker']:.1f} s in {elapsed:.0f} s)")  # fmt: skip
    problems = [o for o in outcomes if o.problem]
    app_503 = sum(o.status == 503 for o in outcomes)
    print(f"\n503 pages with the request id (during connection kills): {app_503}; "
          f"transport errors: {sum(o.status == 0 for o in outcomes)}; "
          f"content or status problems: {len(problems)}")  # fmt: skip
    return 1 if problems else 0


def main() -> int:
    database = ThrowawayDatabase("mix")
    database.create()
    tmp = Path(tempfile.mkdtemp(prefix="veivalg-mix-"))
    redis = RedisServer(tmp)
    redis.start()
    secret = secrets.token_hex(32)
    config = {"VEIVALG_ENV": "production", "SECRET_KEY": secret, "DATABASE_APP_ROLE": APP_ROLE,
              "DATABASE_OWNER_URL": database.owner_url, "REDIS_URL": None,
              "MAIL_URL": f"file://{tmp / 'mail'}", "LOG_LEVEL": "WARNING"}  # fmt: skip
    env = {
        **os.environ,
        "VEIVALG_ENV": "production",
        "SECRET_KEY": secret,
        "DATABASE_URL": database.app_url,
        "REDIS_URL": redis.url,
        "MAIL_URL": f"file://{tmp / 'mail'}",
        "LOG_LEVEL": "WARNING",
        # All the bench's readers come from 127.0.0.1: the per-address login limit would
        # refuse them; the per-address limit itself has its own tests.
        "ACCOUNTS_RATE_LIMIT_IP": "100000 per minute",
    }
    procs: list[subprocess.Popen[bytes]] = []
    log = (tmp / "processes.log").open("wb")
    try:
        plan = prepare(database, config)
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4",
             "--keep-alive", "5", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker",
             "--concurrency", "2", "--loglevel", "WARNING", "-n", f"mix-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        procs += [web, worker]
        wait_for(lambda: _answers(port), timeout=60)
        # The worker's pool is up (main process + its 2 children) before memory is measured.
        wait_for(lambda: len(process_tree(worker.pid)) >= 3, timeout=60)
        for _ in range(20):  # warm both gunicorn workers
            fetch(port, "GET", "/", {})
        time.sleep(2)
        memory_start = {"web": rss_kb(web.pid), "worker": rss_kb(worker.pid)}
        cpu_start = {"web": cpu_seconds(web.pid), "worker": cpu_seconds(worker.pid)}
        started = time.perf_counter()
        timeline: list[str] = []
        stop = threading.Event()

        def sample_memory() -> None:
            while not stop.wait(10):
                at = time.perf_counter() - started
                timeline.append(
                    f"{at:.0f}s {rss_kb(web.pid) / 1024:.0f}/{rss_kb(worker.pid) / 1024:.0f}"
                )

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        outcomes, kills = drive(port, plan, database)
        elapsed = time.perf_counter() - started
        stop.set()
        print("RSS web/worker MB every 10 s: " + ", ".join(timeline))
        memory = {"web": (memory_start["web"], rss_kb(web.pid)),
                  "worker": (memory_start["worker"], rss_kb(worker.pid))}  # fmt: skip
        cpu = {"web": cpu_seconds(web.pid) - cpu_start["web"],
               "worker": cpu_seconds(worker.pid) - cpu_start["worker"]}  # fmt: skip
        print(f"logs: {tmp / 'processes.log'}")
        return report(outcomes, kills, memory, cpu, elapsed)
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        redis.stop()
        database.drop()


def _answers(port: int) -> bool:
    try:
        return fetch(port, "GET", "/healthz", {})[0] == 200
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())

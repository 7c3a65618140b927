"""`python -m bench.warm_door`: the warm workspace pages with the door's look (one statement in
autocommit, migration 0013) against the usual door (a session transaction: BEGIN, org_door,
the head, ROLLBACK), in one process, in alternating rounds, so both see the same machine.

CPU per request in-process (test client, `time.process_time`), the best of ROUNDS rounds of
REQUESTS requests per page and mode, on bench.workspace's workbook (50 goals × 24 readings,
200 measures); the bare Flask app measured the same way in each round.
"""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext
from unittest import mock

from bench.bare import app as bare_app
from bench.serve import BARE, cpu_per_request, throwaway
from bench.workspace import build
from portal import create_app
from portal.extensions import db
from portal.orgs import door

REQUESTS = int(os.environ.get("BENCH_INPROCESS_REQUESTS", "200"))
ROUNDS = int(os.environ.get("BENCH_INPROCESS_ROUNDS", "6"))
MODES = ("usual door", "door with look")


def main() -> int:
    with throwaway("bench_door") as setup:
        owner_app = setup.owner_app()
        with owner_app.app_context():
            user_id, workbook_id = build()
            cookie = setup.cookie(owner_app, user_id)
            db.engine.dispose()
        pages = {
            "workbook overview": f"/orgs/bench/workspace/{workbook_id}/",
            "dashboard": f"/orgs/bench/workspace/{workbook_id}/dashboard",
            "workspace front": "/orgs/bench/workspace/",
        }
        app = create_app(setup.config)
        best: dict[tuple[str, str], float] = {}

        def keep(key: tuple[str, str], spent: float) -> None:
            best[key] = min(best.get(key, spent), spent)

        for _ in range(ROUNDS):
            keep((BARE, ""), cpu_per_request(bare_app, "/", {}, REQUESTS * 5))
            for mode in MODES:
                usual = mode == MODES[0]
                off = mock.patch.object(door, "_look_for", lambda endpoint: None)
                with off if usual else nullcontext():
                    for name, path in pages.items():
                        keep((name, mode), cpu_per_request(app, path, cookie, REQUESTS))
        with app.app_context():
            db.engine.dispose()
    bare = best[(BARE, "")]
    print(f"in-process CPU per request, best of {ROUNDS} alternating rounds of {REQUESTS}:")
    print(f"  {BARE}: {bare:.3f} ms")
    for name in pages:
        before, after = (best[(name, mode)] for mode in MODES)
        print(f"  {name}: usual door {before:.2f} ms ({bare / before:.0%} of bare) → "
              f"with look {after:.2f} ms ({bare / after:.0%} of bare)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""PostgreSQL dropping the app's connections (pg_terminate_backend) under a burst of reads."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.faults.conftest import READER_PAGES
from tests.support.database import ThrowawayDatabase, terminate_backends
from tests.support.services import GunicornServer, wait_for
from tests.support.traffic import Browser, burst, request

pytestmark = pytest.mark.slow

MEMBER_PAGES = (*READER_PAGES, "/account")


def test_connections_terminated_during_a_burst_never_give_a_bare_500(
    web: GunicornServer, database: ThrowawayDatabase
) -> None:
    member = Browser(web.url)
    login = member.post_form("/login", {"email": "reader@example.com", "password": "demo-password"})
    assert login.status in (302, 303), login.status
    cookie = {"Cookie": member._headers()["Cookie"]}
    kills: list[int] = []
    stop = threading.Event()

    def kill_repeatedly() -> None:
        # Only this database's app-role backends: other test runs share the server.
        while not stop.wait(0.6):
            kills.append(terminate_backends(database.name))

    def during() -> None:
        killer = threading.Thread(target=kill_repeatedly, daemon=True)
        killer.start()
        time.sleep(7)
        stop.set()
        killer.join(timeout=10)

    answers = burst(web.url, MEMBER_PAGES, seconds=7.5, threads=4, headers=({}, cookie),
                    during=during)  # fmt: skip
    assert sum(kills) >= 3, kills
    assert not [a.error for a in answers if a.error], "transport errors"
    bad = Counter((a.path, a.status) for a in answers if not a.acceptable())
    assert not bad, f"bare errors: {bad}"
    assert sum(a.status == 200 for a in answers) > len(answers) // 2
    assert "Error handling request" not in web.log()
    # Recovered without a restart: the next requests are served on fresh connections.
    wait_for(lambda: request(web.url, "/readyz").status == 200, timeout=10)
    after = [request(web.url, path, headers=cookie) for path in MEMBER_PAGES]
    assert [a.status for a in after] == [200] * len(after), [(a.path, a.status) for a in after]

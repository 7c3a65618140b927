"""Two clicks on one link at the same time: exactly one succeeds (the user row is locked)."""

from __future__ import annotations

import re
import threading

import requests
from flask import Flask

from portal.accounts import service, tokens
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.support.services import LiveServer

CLICKS = 8


def test_a_one_time_link_used_concurrently_logs_in_once(
    committed_app: Flask, live_server: LiveServer
) -> None:
    user = service.create_user("race@example.org", "Race", PASSWORD, verified=True)
    db.session.commit()
    path = f"/login/link/{tokens.issue(user, tokens.LOGIN)}"

    sessions: list[tuple[requests.Session, str]] = []
    for _ in range(CLICKS):
        http = requests.Session()
        page = http.get(live_server.url + path, timeout=10)
        assert page.status_code == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        sessions.append((http, token))

    barrier = threading.Barrier(CLICKS)
    statuses: list[int] = []
    lock = threading.Lock()

    def click(http: requests.Session, token: str) -> None:
        barrier.wait()
        response = http.post(
            live_server.url + path, data={"csrf_token": token}, allow_redirects=False, timeout=20
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=click, args=pair) for pair in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [303] + [400] * (CLICKS - 1), statuses

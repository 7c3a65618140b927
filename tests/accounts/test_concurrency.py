"""Two clicks on one link at the same time: exactly one succeeds (the user row is locked)."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from flask import Flask

from portal.accounts import service, tokens
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.support.services import LiveServer

CLICKS = 8


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _browser() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect)


def _status(
    opener: urllib.request.OpenerDirector, url: str, data: dict | None = None
) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_a_one_time_link_used_concurrently_logs_in_once(
    committed_app: Flask, live_server: LiveServer
) -> None:
    user = service.create_user("race@example.org", "Race", PASSWORD, verified=True)
    db.session.commit()
    url = live_server.url + f"/login/link/{tokens.issue(user, tokens.LOGIN)}"

    browsers: list[tuple[urllib.request.OpenerDirector, str]] = []
    for _ in range(CLICKS):
        opener = _browser()
        status, page = _status(opener, url)
        assert status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        browsers.append((opener, token))

    barrier = threading.Barrier(CLICKS)
    statuses: list[int] = []
    lock = threading.Lock()

    def click(opener: urllib.request.OpenerDirector, token: str) -> None:
        barrier.wait()
        status, _page = _status(opener, url, {"csrf_token": token})
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=click, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [303] + [400] * (CLICKS - 1), statuses

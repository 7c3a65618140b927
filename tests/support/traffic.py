"""HTTP traffic for fault tests: single requests, a browser-like session and bounded bursts."""

from __future__ import annotations

import http.client
import itertools
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

_ids = itertools.count(1)


@dataclass
class Answer:
    """One request and what came back (status 0: a transport error, with its text)."""

    method: str
    path: str
    request_id: str
    status: int = 0
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def is_app_503(self) -> bool:
        """The app's own 'try again' page naming this request, not a bare server error."""
        return self.status == 503 and self.request_id in self.body

    def acceptable(self) -> bool:
        """Success, a redirect, or the app's 503 page: anything else is a fault leaking out."""
        return 200 <= self.status < 400 or self.is_app_503()


def request(
    base: str,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """One request on a fresh connection, with a request id of our own."""
    parts = urllib.parse.urlsplit(base)
    request_id = f"fault-{next(_ids):06d}-{time.monotonic_ns() % 10**9:09d}"
    answer = Answer(method, path, request_id)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(
            method, path, body=body, headers={"X-Request-ID": request_id, **(headers or {})}
        )
        response = conn.getresponse()
        answer.status = response.status
        answer.headers = {k.lower(): v for k, v in response.getheaders()}
        answer.body = response.read().decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException) as exc:
        answer.error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    return answer


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class Browser:
    """A cookie-keeping client that fills in forms' CSRF tokens, for sign-ups and log-ins."""

    def __init__(self, base: str, user_agent: str = "veivalg-fault-tests") -> None:
        self.base = base
        self.cookies: SimpleCookie = SimpleCookie()
        self.user_agent = user_agent

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        headers = {"User-Agent": self.user_agent, **(extra or {})}
        if cookie:
            headers["Cookie"] = cookie
        return headers

    def _keep(self, answer: Answer) -> Answer:
        # http.client joins several Set-Cookie headers with ", "; ours are one per response.
        if "set-cookie" in answer.headers:
            self.cookies.load(answer.headers["set-cookie"])
        return answer

    def get(self, path: str) -> Answer:
        return self._keep(request(self.base, path, headers=self._headers()))

    def post_form(self, path: str, fields: dict[str, str], form_page: str | None = None) -> Answer:
        """POST fields with the CSRF token of the form on form_page (default: path)."""
        page = self.get(form_page or path)
        match = CSRF_RE.search(page.body)
        assert match, f"no csrf_token on {form_page or path} ({page.status})"
        data = urllib.parse.urlencode({"csrf_token": match.group(1) or match.group(2), **fields})
        headers = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
        return self._keep(request(self.base, path, "POST", data.encode(), headers))


def burst(
    base: str,
    paths: Sequence[str],
    seconds: float,
    threads: int = 4,
    headers: Sequence[dict[str, str]] = ({},),
    during: Callable[[], None] | None = None,
) -> list[Answer]:
    """GET the paths round-robin from `threads` threads for `seconds`; `during` runs meanwhile.

    Thread n sends headers[n % len(headers)] (a member's cookie for some, none for others).
    Bounded: each request has a timeout and the burst stops at the deadline.
    """
    answers: list[Answer] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def hammer(offset: int) -> None:
        for n in itertools.count(offset):
            if time.monotonic() > deadline:
                return
            answer = request(
                base, paths[n % len(paths)], headers=headers[offset % len(headers)], timeout=20
            )
            with lock:
                answers.append(answer)

    workers = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    if during is not None:
        during()
    for worker in workers:
        worker.join(timeout=seconds + 30)
    return answers

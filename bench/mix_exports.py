"""The exports in bench.mix: an owner asks for an export through the form (a real CSRF token,
the outbox, the worker) and later downloads one of their organisation's; every answer must
name its own organisation and never the other."""

from __future__ import annotations

import random
import re
import threading
import urllib.parse
from collections.abc import Callable

from bench.mixkit import Outcome, fetch, timed_request

NAMES = {"acme": "Acme AS", "fjord": "Fjord kommune"}
# Mostly Markdown (cheap to make, its text checkable); a PDF now and then, as boards ask for.
FORMATS = ("md", "md", "md", "pdf")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
JOB_RE = re.compile(r"/orgs/([a-z0-9-]+)/exports/(\d+)$")


class ExportTraffic:
    """The export kinds of the mix, for organisations whose owners' cookies and first workbook
    ids are given; remembers the jobs it asked for, to download them later."""

    def __init__(self, port: int, cookies: dict[str, str], workbooks: dict[str, int]) -> None:
        self.port = port
        self.cookies = cookies
        self.workbooks = workbooks
        self.jobs: dict[str, list[tuple[int, str]]] = {slug: [] for slug in workbooks}
        self.lock = threading.Lock()
        self.rng = random.Random(13)

    def kinds(self) -> list[tuple[str, int, Callable[[], Outcome]]]:
        found: list[tuple[str, int, Callable[[], Outcome]]] = []
        for own in self.workbooks:
            other = next(slug for slug in NAMES if slug != own)
            found += [
                ("export request", 2, lambda o=own, x=other: self.request(o, x)),
                ("export download", 2, lambda o=own, x=other: self.download(o, x)),
            ]
        return found

    def request(self, own: str, other: str) -> Outcome:
        """GET the export page (its token, its own name), then POST the form: a 303 to the
        job's page under the same organisation."""
        form_page = f"/orgs/{own}/exports/"
        status, text, headers = fetch(self.port, "GET", form_page, {"Cookie": self.cookies[own]})
        match = CSRF_RE.search(text)
        if status != 200 or not match:
            return Outcome("export request", status, 0, 0, "no export form")
        # The session cookie now carries the form's token.
        cookie = headers.get("set-cookie", self.cookies[own]).split(";")[0]
        with self.lock:
            fmt = self.rng.choice(FORMATS)
        fields = {"csrf_token": match.group(1), "language": "nb", "format": fmt}
        form = urllib.parse.urlencode({**fields, "workbook_id": self.workbooks[own]})

        def check(status: int, _text: str, headers: dict[str, str]) -> str:
            if status != 303:
                return f"status {status}"
            job = JOB_RE.search(headers.get("location", ""))
            if not job or job.group(1) != own:
                return "redirected to another organisation's job"
            with self.lock:
                self.jobs[own].append((int(job.group(2)), fmt))
            return own_page(own, other)(200, text, {})

        return timed_request(self.port, "export request", "POST", form_page, cookie, check, form)

    def download(self, own: str, other: str) -> Outcome:
        """One of the organisation's exports (the history page while none was asked for): the
        file once made, or a redirect to its page while it is being made."""
        with self.lock:
            job = self.rng.choice(self.jobs[own]) if self.jobs[own] else None
        if job is None:
            return timed_request(self.port, "organisation exports", "GET", f"/orgs/{own}/exports/",
                                 self.cookies[own], own_page(own, other))  # fmt: skip
        job_id, fmt = job

        def check(status: int, text: str, headers: dict[str, str]) -> str:
            if status in (302, 303):  # not made yet: to the job's page of the same organisation
                location = headers.get("location", "")
                return "" if f"/orgs/{own}/exports/{job_id}" in location else "bad redirect"
            if status != 200:
                return f"status {status}"
            if fmt == "pdf":
                return "" if text.startswith("%PDF") else "not a PDF"
            return own_page(own, other)(status, text, headers)

        path = f"/orgs/{own}/exports/{job_id}/download"
        return timed_request(self.port, "export download", "GET", path, self.cookies[own], check)


def own_page(own: str, other: str) -> Callable[[int, str, dict[str, str]], str]:
    def check(status: int, text: str, _headers: dict[str, str]) -> str:
        if status != 200:
            return f"status {status}"
        if NAMES[own] not in text:
            return "own organisation missing"
        return "another organisation's text" if NAMES[other] in text else ""

    return check

"""A small load generator: processes × threads of keep-alive HTTP/1.1 clients on loopback."""

from __future__ import annotations

import http.client
import multiprocessing
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    error_samples: list[str]
    set_cookies: int = 0  # responses that set a cookie (a browser-like client keeps it)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def _worker(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    seconds: float,
    threads: int,
    queue: multiprocessing.Queue,
) -> None:
    latencies: list[float] = []
    errors = [0]
    set_cookies = [0]
    samples: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        # Like a browser: start from the given cookie and keep whatever the server sets.
        jar = SimpleCookie(headers.get("Cookie", ""))
        plain = {k: v for k, v in headers.items() if k != "Cookie"}
        i = offset
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            sent = dict(plain)
            if jar:
                sent["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in jar.items())
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=sent)
                response = conn.getresponse()
                response.read()
                cookies = response.headers.get_all("Set-Cookie") or []
                for cookie in cookies:
                    _keep(jar, cookie)
                if cookies:
                    set_cookies[0] += 1
                if response.status != 200:
                    errors[0] += 1
                    samples.append(f"{path}: HTTP {response.status}")
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            except (OSError, http.client.HTTPException) as exc:
                errors[0] += 1
                samples.append(f"{path}: {type(exc).__name__} {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=run, args=(n * 7,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((latencies, errors[0], samples[:3], set_cookies[0]))


def _keep(jar: SimpleCookie, header: str) -> None:
    incoming = SimpleCookie(header)
    for name, morsel in incoming.items():
        if morsel["max-age"] == "0" or not morsel.value:
            jar.pop(name, None)
        else:
            jar[name] = morsel.value


def hammer(
    port: int,
    paths: list[str],
    *,
    headers: dict[str, str] | None = None,
    seconds: float = 6.0,
    processes: int = 2,
    threads: int = 8,
) -> Result:
    """Run the load for `seconds` and collect every request's latency."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(port, paths, headers or {}, seconds, threads, queue))
        for _ in range(processes)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    latencies = [x for part, *_ in parts for x in part]
    samples = [sample for _, _, found, _ in parts for sample in found]
    errors = sum(part[1] for part in parts)
    cookies = sum(part[3] for part in parts)
    return Result(len(latencies), errors, elapsed, latencies, samples[:3], cookies)

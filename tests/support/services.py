"""Real services for tests: throwaway Redis, an SMTP sink, a Celery worker, a live server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll until predicate() is truthy; return its value or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)


class RedisServer:
    """A redis-server of our own on a free port, so a test may stop and start it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.sink.reject_code:
            return f"{self.sink.reject_code} rejected by test sink"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.sink.before_accept is not None:
            # Received, not yet accepted: a reply here means the message is not kept.
            reply = self.sink.before_accept()
            if reply:
                return reply
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)  # type: ignore[arg-type]
        if self.sink.on_accept is not None:
            # Accepted, but the sender has not heard so yet: where a fault hurts most.
            self.sink.on_accept()
        return "250 Message accepted"


class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.reject_code: int | None = None
        self.on_accept: Callable[[], Any] | None = None
        self.before_accept: Callable[[], str | None] | None = None
        self.controller = Controller(_SinkHandler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
        self.reject_code = None
        self.on_accept = None
        self.before_accept = None

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for_mail(
        self, address: str, count: int = 1, timeout: float = 15
    ) -> list[EmailMessage]:
        return wait_for(lambda: len(self.to(address)) >= count and self.to(address), timeout)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


class _AppProcess:
    """A process of ours running the app's code (`python -m …`) with its output in a log."""

    def __init__(self, env: dict[str, str], logfile: Path) -> None:
        self.env = {**os.environ, **env}
        self.logfile = logfile
        self.proc: subprocess.Popen[bytes] | None = None

    def _spawn(self, *args: str) -> None:
        self._log = self.logfile.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None
            self._log.close()

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost host would: no clean-up, no acks."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
            self._log.close()

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")


class CeleryWorker(_AppProcess):
    """A real `celery worker` process running against the test database and Redis."""

    def start(self) -> None:
        self._spawn(
            "celery",
            "-A",
            "worker.celery_app:celery",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--pool",
            "threads",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"test-{os.getpid()}-{free_port()}@%h",
        )
        wait_for(lambda: b"ready." in self.logfile.read_bytes(), timeout=60)


class GunicornServer(_AppProcess):
    """The app under gunicorn in its own process, for what only a real WSGI server shows
    (raw request bytes werkzeug's server would re-quote, gunicorn's own error answers)."""

    def __init__(
        self, env: dict[str, str], logfile: Path, workers: int = 1, threads: int = 2
    ) -> None:
        super().__init__(env, logfile)
        self.port = free_port()
        self.workers = workers
        self.threads = threads

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._spawn(
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "wsgi:app",
        )
        wait_for(self._answers, timeout=60)

    def _answers(self) -> bool:
        try:
            return self.raw(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").startswith(
                b"HTTP/1.1 200"
            )
        except OSError:
            return False

    def raw(self, request: bytes) -> bytes:
        """Send request bytes as they are and return the whole answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            if b"Connection:" not in request:
                request = request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


class LiveServer:
    """The Flask app served by werkzeug in a thread, for browser and HTTP-level tests."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

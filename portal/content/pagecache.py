"""A small in-process cache of anonymous reader pages, served in front of Flask.

Only requests that carry no cookie at all are served from it or stored in it: anyone logged in
(or with a remember cookie, a language choice or a flash message) always gets a fresh page,
so a cached page can never carry gated text or anyone's own data. Pages are keyed by path,
query string and language, live CONTENT_CACHE_SECONDS (0 switches the cache off), and this
process forgets them all whenever content is written; with Redis, every other process does
too within a second (SharedVersion), else within the lifetime.

The reader views mark a response as storable (`anonymous_cache`); the WSGI middleware
(`CachedPages`, installed by create_app) stores it with its final headers and answers later
cookie-less requests before Flask's request machinery runs, so a hit costs a dictionary look-up.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import redis
from flask import Flask, current_app, make_response, request, session
from flask_login import current_user

from portal.i18n import locale_from_accept_language
from portal.observability import log_request, new_request_id
from portal.readonly import read_only

MAX_ENTRIES = 2000
# Any query string makes a new key, so the cache is bounded by size as well as by count:
# otherwise /sitemap.xml?1, ?2, … would hold 2000 copies of the largest page.
MAX_BYTES = 32 * 1024 * 1024
STORE_MARKER = "X-Veivalg-Page-Cache"
_UNCACHED_HEADERS = {"x-request-id", "date", STORE_MARKER.lower()}
log = logging.getLogger("portal.request")

Entry = tuple[float, str, list[tuple[str, str]], bytes]


class PageCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[str, ...]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1], entry[2], entry[3]

    def put(
        self,
        key: tuple[str, ...],
        ttl: float,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        if len(body) > MAX_BYTES // 4:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + ttl, status, headers, body)
            self._bytes += len(body)
            while len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, ...]) -> None:
        self._bytes -= len(self._entries.pop(key)[3])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


pages = PageCache()

# The content generation: bumped whenever this process learns of a content write (its own, or
# another process's through SharedVersion). Kept article fragments (fragments.py) carry the
# generation they were rendered in and are stale once it moves on.
_generation = [0]
_generation_lock = threading.Lock()


def generation() -> int:
    return _generation[0]


def drop_local() -> None:
    """Forget every page and fragment this process keeps (content changed)."""
    with _generation_lock:
        _generation[0] += 1
    pages.clear()


VERSION_KEY = "veivalg:content-version"
VERSION_CHECK_SECONDS = 1.0


class SharedVersion:
    """One Redis counter that every process bumps after a content write and reads at most
    once a second, so a change empties every worker's cache within a second (with Redis;
    without it, or while it is down, pages live at most CONTENT_CACHE_SECONDS).

    The counter starts from a random number when the key is missing, so a Redis that lost
    its data (a restart without persistence) cannot hand out a value a worker has already
    seen; what was seen and when is kept per Redis URL."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, redis.Redis] = {}
        self._seen: dict[str, bytes | None] = {}
        self._checked: dict[str, float] = {}

    def _client(self, url: str) -> redis.Redis:
        client = self._clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.2)
            self._clients[url] = client
        return client

    def bump(self, url: str | None) -> None:
        if not url:
            return
        try:
            pipe = self._client(url).pipeline(transaction=False)
            pipe.set(VERSION_KEY, secrets.randbelow(2**62), nx=True)
            pipe.incr(VERSION_KEY)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("content version not shared (Redis): %s", exc)

    def check(self, url: str | None) -> None:
        if not url:
            return
        now = time.monotonic()
        with self._lock:
            if now - self._checked.get(url, -VERSION_CHECK_SECONDS) < VERSION_CHECK_SECONDS:
                return
            self._checked[url] = now
        try:
            current = self._client(url).get(VERSION_KEY)
        except redis.RedisError:
            return
        if url not in self._seen or current != self._seen[url]:
            drop_local()
            self._seen[url] = current


shared_version = SharedVersion()


def content_changed(redis_url: str | None) -> None:
    """After a committed content write: drop this process's pages and tell the others."""
    drop_local()
    shared_version.bump(redis_url)


def _key(environ: dict[str, Any]) -> tuple[str, ...]:
    return (
        "page",
        # The links of a page depend on where the app is mounted (a proxy may set SCRIPT_NAME).
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        locale_from_accept_language(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
    )


class CachedPages:
    """WSGI middleware: answers cookie-less GETs from the cache, stores what views marked."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.config = app.config

    def _eligible(self, environ: dict[str, Any]) -> bool:
        return (
            environ.get("REQUEST_METHOD") == "GET"
            and not environ.get("HTTP_COOKIE")
            and not environ.get("HTTP_AUTHORIZATION")
            and self.config.get("CONTENT_CACHE_SECONDS", 0) > 0
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self._eligible(environ):
            return self.wsgi_app(environ, start_response)
        shared_version.check(self.config.get("REDIS_URL"))
        key = _key(environ)
        hit = pages.get(key)
        if hit is not None:
            status, headers, body = hit
            request_id = new_request_id()
            start_response(status, [*headers, ("X-Request-ID", request_id)])
            log_request(
                "GET %s %s cached rid=%s",
                (environ.get("PATH_INFO"), status[:3], request_id),
                {
                    "request_id": request_id,
                    "method": "GET",
                    "path": environ.get("PATH_INFO"),
                    "status": int(status[:3]),
                    "cached": True,
                },
            )
            return [body]
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["store"] = any(name == STORE_MARKER for name, _ in headers)
            seen["status"] = status
            seen["headers"] = [(n, v) for n, v in headers if n.lower() not in _UNCACHED_HEADERS]
            kept = [(n, v) for n, v in headers if n != STORE_MARKER]
            return (
                start_response(status, kept, exc_info) if exc_info else start_response(status, kept)
            )

        chunks = self.wsgi_app(environ, capture)
        if not seen.get("store"):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        ttl = float(self.config["CONTENT_CACHE_SECONDS"])
        pages.put(key, ttl, seen["status"], seen["headers"], body)
        return [body]


def anonymous_cache(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a public reader page as storable when it was made for nobody in particular.

    Such a page is read-only (portal/readonly.py): one that may be shared from a cache
    cannot depend on a write. It also tells browsers and shared caches how long they may keep it
    (Cache-Control: public), varying on the cookie (a login changes the page) and the
    language header (it picks the language of a cookie-less reader). A page made for an
    anonymous reader with cookies (a language choice, a flash message) is private.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = make_response(view(*args, **kwargs))
        if current_user.is_authenticated or response.status_code not in (200, 404):
            return response
        seconds = current_app.config.get("CONTENT_CACHE_SECONDS", 0)
        shared = (
            request.method == "GET"
            and not request.cookies
            and "Set-Cookie" not in response.headers
            and not session.modified
            and not dict(session)
            and not response.direct_passthrough
        )
        response.vary.update(("Cookie", "Accept-Language"))
        if not shared:
            response.headers["Cache-Control"] = "private, no-cache"
            return response
        response.headers["Cache-Control"] = (
            f"public, max-age={seconds}" if seconds > 0 else "public, no-cache"
        )
        if seconds > 0:
            response.headers[STORE_MARKER] = "store"
        return response

    return read_only(wrapper)

"""A small in-process cache of anonymous reader pages.

Only requests that carry no cookie at all are served from it or stored in it: anyone logged in
(or with a remember cookie, a language choice or a flash message) always gets a fresh page,
so a cached page can never carry gated text or anyone's own data. Pages are keyed by path,
query string and language, live CONTENT_CACHE_SECONDS (0 switches the cache off), and this
process forgets them all whenever content is written (other workers within the lifetime).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, make_response, request, session
from flask_login import current_user

from portal.i18n import select_locale

MAX_ENTRIES = 2000


class PageCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, ...], tuple[float, bytes, str, int]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> tuple[bytes, str, int] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1], entry[2], entry[3]

    def put(
        self, key: tuple[str, ...], ttl: float, body: bytes, mimetype: str, status: int
    ) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, body, mimetype, status)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


pages = PageCache()


def _eligible() -> bool:
    return (
        request.method == "GET"
        and not request.cookies
        and "Authorization" not in request.headers
        and current_app.config.get("CONTENT_CACHE_SECONDS", 0) > 0
    )


def anonymous_cache(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve cookie-less GETs of a public reader page from the cache."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _eligible():
            return view(*args, **kwargs)
        key = ("page", request.full_path, select_locale())
        hit = pages.get(key)
        if hit is not None:
            body, mimetype, status = hit
            return Response(body, status=status, mimetype=mimetype)
        response = make_response(view(*args, **kwargs))
        if (
            response.status_code in (200, 404)
            and not current_user.is_authenticated
            and "Set-Cookie" not in response.headers
            and not session.modified
            and not dict(session)
            and not response.direct_passthrough
        ):
            ttl = float(current_app.config["CONTENT_CACHE_SECONDS"])
            pages.put(key, ttl, response.get_data(), response.mimetype, response.status_code)
        return response

    return wrapper

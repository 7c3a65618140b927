"""The signed session cookie, verified once per worker for each exact cookie string.

A logged-in reader sends the same session cookie on every page. Checking its signature
(HMAC), its age and decoding its tagged JSON cost about a tenth of a kept page, and the
answer for one exact string never changes until the cookie is too old. So each worker keeps
a small bounded map from the exact cookie string (and the secret key it was checked with) to
what the cookie says and until when it is valid. Only that is kept: who the user is, whether
their session version is still current and what they may read are asked of the database on
every request, so "log out everywhere", a password change or a revoked grant still take
effect on the next request. A changed or forged cookie is a different string: it misses and
goes through the full check, and a string that fails the check is never kept.

Finding the session cookie in the browser's Cookie header (parsing every cookie in it) is
remembered the same way, by the header's exact text: a browser sends the same header on every
page, and any change to it is a new text that is parsed afresh.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

if TYPE_CHECKING:
    from flask import Flask, Request, Response

# Verified cookies kept per worker: a few hundred bytes each, so at most a few MB.
KEPT_COOKIES = 2048
# The session cookie's value in each Cookie header seen lately (the header parsed once): the
# same count, each header at most this long (a longer one is parsed every time).
KEPT_HEADER_CHARS = 4096
_UNSEEN: Any = object()
# A Vary header that already names Cookie: adding it again changes nothing.
_VARIES_ON_COOKIE = frozenset(("Cookie", "Cookie, Accept-Language"))


def _copy(value: Any) -> Any:
    """A copy a request may change freely (the session's JSON has only dicts and lists that
    can change in place; strings, numbers and the tagged types are immutable)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind is tuple:
        return tuple(_copy(item) for item in value)
    return value


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with each verified cookie string remembered."""

    def __init__(self, size: int = KEPT_COOKIES) -> None:
        self.size = size
        self._kept: dict[tuple[str, Any], tuple[dict[str, Any], float]] = {}
        self._in_header: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        secret = app.secret_key
        if not secret:
            return None  # as Flask: no key, no session
        value = self._session_cookie(request, self.get_cookie_name(app))
        if not value:
            return self.session_class()
        key = (value, secret)
        kept = self._kept.get(key)
        if kept is not None and time.time() <= kept[1]:
            return self.session_class(_copy(kept[0]))
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:  # forged, or too old: never kept (an expired entry is dropped)
            self._kept.pop(key, None)
            return self.session_class()
        self._keep(key, _copy(data), signed_at.timestamp() + max_age)
        return self.session_class(data)

    def verified(self, value: str, secret: Any) -> dict[str, Any] | None:
        """What an already verified, unexpired cookie string says (not a copy: read only),
        else None — the caller then lets Flask open the session, which checks and keeps it."""
        kept = self._kept.get((value, secret))
        if kept is not None and time.time() <= kept[1]:
            return kept[0]
        return None

    def _session_cookie(self, request: Request, name: str) -> str | None:
        """request.cookies.get(name), without parsing a Cookie header seen before."""
        return self.cookie_in(request.environ, name)

    def cookie_in(self, environ: dict[str, Any], name: str) -> str | None:
        """The cookie `name` of the request's Cookie header, as request.cookies gives it, without
        parsing a header seen before: the answer is a function of the header's exact text."""
        header = environ.get("HTTP_COOKIE")
        if not header:
            return None
        key = (header, name)
        found = self._in_header.get(key, _UNSEEN)
        if found is not _UNSEEN:
            return found
        found = parse_cookie(header).get(name)
        if len(header) <= KEPT_HEADER_CHARS:
            with self._lock:
                while len(self._in_header) >= self.size:
                    self._in_header.pop(next(iter(self._in_header)))
                self._in_header[key] = found
        return found

    def _keep(self, key: tuple[str, Any], data: dict[str, Any], valid_until: float) -> None:
        with self._lock:
            self._kept.pop(key, None)
            while len(self._kept) >= self.size:
                # The oldest verified first: a cookie in use is verified again on its next visit.
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = (data, valid_until)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # A reader page changes nothing in the session: skip the cookie settings Flask reads
        # before deciding that (same outcome, including "Vary: Cookie").
        if session and not self.should_set_cookie(app, session):
            # Vary usually names Cookie already (security.py): then there is nothing to add.
            if session.accessed and response.headers.get("Vary") not in _VARIES_ON_COOKIE:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)

    def __len__(self) -> int:
        return len(self._kept)

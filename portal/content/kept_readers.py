"""Logged-in readers' warm pages put together in front of Flask, from the kept pieces: the
article page here, the workspace's pages as kinds it adds (portal/workspace/kept_pages.py).

A warm article page for a logged-in reader is the kept layout skeleton around the article's
kept blocks (fragments.py, layout.py) after one fresh statement for the reader's access. Flask's
request machinery around that (request context, URL matching, Flask-Login, Babel, the hooks, a
Response object) cost more than the page itself, so this WSGI middleware answers such a request
without it, from the same pieces under the same keys, when every fact the page depends on is
known and plain:

- a GET of `/articles/<slug>` with no query string, carrying a session cookie this worker has
  verified already (cookie_sessions.py), whose session holds only what a reader's session holds
  (no flash message, no "remember me" instruction) and that Flask-Login's session protection
  would leave unchanged;
- the reader's access read fresh, as the user loader reads it (the same statement, or that
  statement with a page kind's own first read folded in, `reader_access.with_also`; a stale
  session version, a lost connection or anyone watching statements sends the request to Flask);
- the article's kept head, the blocks for this reader's tier and the layout skeleton for this
  header state and language, all still valid in the fragment cache (so a content change, a
  scheduled article falling due or an expired entry sends the request to Flask, which renders
  and keeps them again);
- the response headers Flask gave the last such page in this language (recorded here when
  Flask answered one, without a cookie set).

Anything else goes to Flask unchanged. What the page shows for the reader is decided by the
same functions as on Flask's path (`entitlements.readable_with`, `layout.header_of`,
`orgs.blueprint.switch_for`, `i18n.member_locale`), so a page from here is byte for byte the page
Flask would render (tests/content/test_kept_readers.py). Nothing about access is kept: the
statement runs on every request.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha512
from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine

from portal.accounts.cookie_sessions import KeptCookieSessions
from portal.accounts.models import User
from portal.accounts.session import parse_ident
from portal.billing import entitlements, reader_access
from portal.content import fragments, layout, pagecache
from portal.dbping import safe_read
from portal.extensions import db
from portal.i18n import member_locale
from portal.observability import log_request, request_id_for
from portal.orgs.blueprint import CURRENT_ORG_SESSION_KEY, switch_for
from portal.readonly import UNANSWERED, fetch_plain
from portal.templating import csrf_secret, signed_csrf

TEMPLATE = "content/article.html"  # routes.ARTICLE_TEMPLATE
ENDPOINT = "content.article"
# What a reader's session may hold for the page to be put together here. Anything else
# (flash messages, Flask-Login's remember instructions, …) may change the page or the session.
_READER_KEYS = frozenset(
    {"_user_id", "_fresh", "_id", "csrf_token", "lang", CURRENT_ORG_SESSION_KEY, "_billing_banner"}
)
_PER_RESPONSE = {"content-length", "x-request-id"}
_IDENTIFIERS_KEPT = 4096


@dataclass(frozen=True)
class Reader:
    """A logged-in reader as a page put together here knows them: read fresh."""

    session: Mapping[str, Any]
    user: User
    access: reader_access.ReaderAccess
    language: str


@dataclass(frozen=True)
class Also:
    """A page's own first read, made in the reader's statement (reader_access.with_also)."""

    statement: Any
    params: dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """A kind of page answered here: its path, and the function that puts its page together
    for a reader from kept pieces (None: Flask answers)."""

    name: str
    path: re.Pattern[str]
    # (language, page as text or as the response's bytes) or None
    page: Callable[[KeptReaderPages, dict[str, Any], re.Match[str]], tuple[str, str | bytes] | None]


class KeptReaderPages:
    """WSGI middleware for logged-in readers' warm pages (see the module's description)."""

    def __init__(
        self, wsgi_app: Callable[..., Iterable[bytes]], app: Flask, kinds: Iterable[Kind] = ()
    ) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.config = app.config
        self.kinds = (ARTICLE, *kinds)
        # Response headers of each kind of page per language, recorded from Flask (with
        # Content-Length and X-Request-ID in their places, valued per response).
        self._headers: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
        self._identifiers: dict[tuple[str, str | None, str | None], str] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        found = self._candidate(environ)
        if found is None:
            return self.wsgi_app(environ, start_response)
        kind, match = found
        answer = kind.page(self, environ, match)
        if answer is None:
            return self._through_flask(environ, start_response, kind)
        language, body = answer
        headers = self._headers.get((kind.name, language))
        if headers is None:
            return self._through_flask(environ, start_response, kind)
        data = body if isinstance(body, bytes) else body.encode()
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        per_request = {"content-length": str(len(data)), "x-request-id": request_id}
        start_response(
            "200 OK", [(name, value or per_request[name.lower()]) for name, value in headers]
        )
        path = environ["PATH_INFO"]
        duration = (time.perf_counter() - started) * 1000
        log_request(
            "%s %s %s %.1fms rid=%s",
            ("GET", path, 200, duration, request_id),
            {
                "request_id": request_id,
                "method": "GET",
                "path": path,
                "status": 200,
                "duration_ms": round(duration, 1),
            },
        )
        return [data]

    def _candidate(self, environ: dict[str, Any]) -> tuple[Kind, re.Match[str]] | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or "HTTP_COOKIE" not in environ
            or not self.config.get("KEPT_READER_PAGES", True)
        ):
            return None
        path = environ.get("PATH_INFO", "")
        for kind in self.kinds:
            match = kind.path.fullmatch(path)
            if match is not None:
                return kind, match
        return None

    def reader(
        self, environ: dict[str, Any], also: Also | None = None
    ) -> tuple[Reader, Sequence[Any]] | None:
        """The logged-in reader of this request, read fresh as the user loader reads them, if
        their session is one Flask would leave unchanged; else None (Flask answers). `also`
        folds a page's own first read into the same statement (its columns come back after
        the reader's; no row when either finds none)."""
        app = self.app
        sessions = app.session_interface
        secret = app.secret_key
        if not isinstance(sessions, KeptCookieSessions) or not secret:
            return None
        cookie = sessions.cookie_in(environ, app.config["SESSION_COOKIE_NAME"])
        session = sessions.verified(cookie, secret) if cookie else None
        if not session or not session.keys() <= _READER_KEYS:
            return None
        ident = session.get("_user_id")
        if not isinstance(ident, str):
            return None
        # Flask-Login's "basic" protection changes the session (not fresh) when the address
        # or the browser differ from the login's, unless it is marked so already.
        if session.get("_fresh") is not False and session.get("_id") != self._identifier(environ):
            return None
        parsed = parse_ident(ident)
        engine = self.database()
        if parsed is None or engine is None:
            return None
        pagecache.shared_version.check(self.config.get("REDIS_URL"))
        params = reader_access.params(*parsed)
        if also is None:
            found = self.read(engine, reader_access.WITH_ACCESS, params)
        else:
            found = self.read(engine, also.statement, {**params, **also.params})
        if found is None:
            return None
        user, access = reader_access.detached_reader(
            found[: reader_access.WITH_ACCESS_WIDTH], session_bound=False
        )
        reader = Reader(session, user, access, member_locale(session.get("lang"), user.locale))
        return reader, found[reader_access.WITH_ACCESS_WIDTH :]

    def read(self, engine: Engine, statement: Any, params: dict[str, Any]) -> Any:
        """The first row of `statement` on the thread's own connection in autocommit; None when
        there is none or the connection failed (Flask's path then runs the request again)."""
        with safe_read():
            found = fetch_plain(engine, statement, params)
        return None if found is UNANSWERED else found

    def csrf_token(self, reader: Reader) -> str | None:
        """The session's signed CSRF token as the templates give it; None if the session has
        none yet (Flask-WTF would make one and set a cookie)."""
        raw = reader.session.get("csrf_token")
        if not isinstance(raw, str):
            return None
        return signed_csrf(raw, csrf_secret(self.app.config, self.app.secret_key))

    def fill(
        self, skeleton: layout.Skeleton, blocks: dict[str, Any], reader: Reader, path: str
    ) -> str | None:
        """The skeleton with the blocks and this request's values; None if it needs more."""
        slots = self._slots(skeleton, reader, path)
        return None if slots is None else skeleton.fill(blocks, slots)

    def fill_encoded(
        self, skeleton_key: Hashable, blocks_key: Hashable, reader: Reader, path: str
    ) -> bytes | None:
        """`fill` of the kept skeleton and blocks under these keys, as the response's bytes:
        both are kept encoded beside their text (FragmentCache.get_encoded), so only this
        request's values are encoded. None if either is not kept or the page needs more."""
        kept = fragments.cache_of(self.app)
        found = kept.get_encoded(skeleton_key, _encoded_skeleton)
        blocks = kept.get_encoded(blocks_key, _encoded_blocks) if found is not None else None
        if blocks is None:
            return None
        skeleton, parts = found
        slots = self._slots(skeleton, reader, path)
        return None if slots is None else skeleton.fill_encoded(parts, blocks, slots)

    def _slots(
        self, skeleton: layout.Skeleton, reader: Reader, path: str
    ) -> dict[str, Callable[[], str]] | None:
        wanted = skeleton.slots()
        if not wanted <= {"csrf_token", "current_path"}:
            return None
        token = self.csrf_token(reader) if "csrf_token" in wanted else ""
        if token is None:
            return None
        return {"csrf_token": lambda: token, "current_path": lambda: path + "?"}

    def database(self) -> Engine | None:
        """The app's PostgreSQL engine unless someone watches statements (the tests'
        counters); None on SQLite, and while the tests have bound the app to one open
        connection (the page must then see their uncommitted rows: Flask's path)."""
        engines = db._app_engines.get(self.app)  # what db.engine reads, without an app context
        bind = engines.get(None) if engines else None
        if (
            isinstance(bind, Engine)
            and bind.dialect.name == "postgresql"
            and not bind.dispatch.before_cursor_execute
        ):
            return bind
        return None

    def _identifier(self, environ: dict[str, Any]) -> str:
        """Flask-Login's session identifier for this request (its `_create_identifier`)."""
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
        agent = environ.get("HTTP_USER_AGENT")
        key = (str(environ.get("REMOTE_ADDR")), forwarded, agent)
        found = self._identifiers.get(key)
        if found is None:
            address = forwarded.encode("utf-8").split(b",")[0].strip() if forwarded else None
            base = f"{address}|{agent.encode('utf-8') if agent is not None else None}"
            found = sha512(base.encode("utf8")).hexdigest()
            with self._lock:
                if len(self._identifiers) >= _IDENTIFIERS_KEPT:
                    self._identifiers.clear()
                self._identifiers[key] = found
        return found

    def _through_flask(
        self, environ: dict[str, Any], start_response: Callable[..., Any], kind: Kind
    ) -> Any:
        """Flask answers; a logged-in page of this kind it made from kept pieces without
        setting a cookie gives the headers such pages get in its language."""

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if (
                status.startswith("200 ")
                and environ.get(fragments.FILLED)
                and not any(name.lower() == "set-cookie" for name, _ in headers)
            ):
                language = next(
                    (value for name, value in headers if name.lower() == "content-language"), None
                )
                if language and {n.lower() for n, _ in headers} >= _PER_RESPONSE:
                    self._headers[kind.name, language] = [
                        (n, None if n.lower() in _PER_RESPONSE else v) for n, v in headers
                    ]
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        return self.wsgi_app(environ, record)


def _article(
    pages: KeptReaderPages, environ: dict[str, Any], match: re.Match[str]
) -> tuple[str, bytes] | None:
    """The article page: the kept head, the blocks for this reader's tier and the skeleton for
    this header state, as content.routes.article and fragments.render_page key them."""
    found = pages.reader(environ)
    if found is None:
        return None
    reader = found[0]
    app, user, access, language = pages.app, reader.user, reader.access, reader.language
    kept = fragments.cache_of(app)
    head = kept.get(("head", match.group(1)))
    found_layout = fragments.kept_layout(app, TEMPLATE)
    if head is None or found_layout is None or not found_layout.cacheable.get(frozenset()):
        return None
    full = head[1] in entitlements.readable_with(user, access)
    script_root = environ.get("SCRIPT_NAME", "").rstrip("/")
    tier = fragments.tier_of(user, full)
    blocks = (TEMPLATE, "article", *head, language, script_root, tier)
    switch = switch_for(access.memberships, reader.session.get(CURRENT_ORG_SESSION_KEY))
    header = layout.header_of(user, switch, access.payment_problem)
    skeleton = (("layout", TEMPLATE, script_root, ENDPOINT, header, ()), language)
    page = pages.fill_encoded(skeleton, blocks, reader, environ["PATH_INFO"])
    return (language, page) if page is not None else None


def _encoded_skeleton(skeleton: layout.Skeleton) -> tuple[tuple[layout.Skeleton, Any], int]:
    parts, size = skeleton.encoded()
    return (skeleton, parts), size


def _encoded_blocks(blocks: dict[str, Any]) -> tuple[dict[str, bytes], int]:
    encoded = {name: str(html).encode() for name, html in blocks.items()}
    return encoded, sum(len(html) for html in encoded.values())


ARTICLE = Kind(ENDPOINT, re.compile(r"/articles/([A-Za-z0-9_-]{1,200})"), _article)

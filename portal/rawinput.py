"""Request URLs whose raw query bytes are not UTF-8: the 400 page, instead of a crash."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, abort, request

_FLAG = "veivalg.undecodable_query"


class UndecodableQuery:
    """WSGI middleware: a query string that is not UTF-8 is emptied and the request flagged.

    A WSGI server hands the query over as Latin-1 text of the raw bytes; Werkzeug decodes
    it as UTF-8 wherever the page repeats the URL (a login link's `next=`), which fails for
    `?a=\\xff` on every page, the error page included. Emptying it here lets the app answer
    with its own 400 page (see init_app), in the reader's language and with a request id.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        query = environ.get("QUERY_STRING", "")
        if query:
            try:
                query.encode("latin-1").decode("utf-8")
            except UnicodeError:
                environ["QUERY_STRING"] = ""
                environ[_FLAG] = True
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Install the middleware and refuse flagged requests with the 400 page."""
    app.wsgi_app = UndecodableQuery(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def _refuse_undecodable() -> None:
        if request.environ.get(_FLAG):
            abort(400)

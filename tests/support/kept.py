"""Helpers for the pages put together in front of Flask (content/kept_readers.py): count a
view's calls, and warm a page until the middleware answers it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from portal.accounts.models import User


def count_calls(app: Flask, monkeypatch: pytest.MonkeyPatch, endpoints: Iterable[str]) -> list[str]:
    """The paths these views are called for from now on: none for a request the middleware
    answers in front of Flask."""
    calls: list[str] = []
    for endpoint in endpoints:
        view = app.view_functions[endpoint]

        def counted(*args: Any, _view: Any = view, **kwargs: Any) -> Any:
            calls.append(request.path)
            return _view(*args, **kwargs)

        monkeypatch.setitem(app.view_functions, endpoint, counted)
    return calls


def signed_in(app: Flask, user: User, **session: Any) -> FlaskClient:
    """A client whose session says `user` logged in (as the tests' login_as), plus `session`."""
    client = app.test_client()
    with client.session_transaction() as values:
        values["_user_id"] = user.get_id()
        values["_fresh"] = True
        values.update(session)
    return client


def warm(client: FlaskClient, path: str, calls: list[str]) -> Any:
    """Request `path` until the middleware answers it (Flask renders and keeps the pieces and
    settles the session first); that answer."""
    for _ in range(4):
        before = len(calls)
        response = client.get(path)
        assert response.status_code == 200, path
        if len(calls) == before:
            return response
    raise AssertionError(f"{path} was never answered in front of Flask")

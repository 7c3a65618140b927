"""Workspace test fixtures: acme's workbook from the test template, and a request helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.workspace.models import Workbook
from tests.support.tenants import Tenant
from tests.workspace.factories import make_workbook


@pytest.fixture
def wb(acme: Tenant) -> Workbook:
    """Acme's workbook "Strategi" (test template, period 2026–2029)."""
    return make_workbook(acme)


@pytest.fixture
def post(client: FlaskClient, csrf_token: Callable[[FlaskClient, str], str]) -> Callable[..., Any]:
    """POST a form as the logged-in client, with a valid CSRF token of its session."""

    def send(url: str, data: dict[str, Any] | None = None) -> Any:
        token = csrf_token(client, "/orgs/new")
        return client.post(url, data={"csrf_token": token, **(data or {})})

    return send

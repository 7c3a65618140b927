# ruff: noqa: F811 - the `tenants` fixture, imported from test_warm_door, is requested by name
"""Warm workspace pages put together in front of Flask (workspace/kept_pages.py): the page Flask
renders for the same member, byte for byte; the organisation's door asked fresh on every
request, so the walls, a lapse and a removed membership show on the next request.

Committed rows (the middleware reads on the app's real engine)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete

from portal.extensions import db
from portal.orgs import scoping
from portal.orgs.models import Membership
from portal.timeutil import utcnow
from tests.support.kept import count_calls, signed_in, warm
from tests.workspace.factories import add_goal
from tests.workspace.test_warm_door import (
    _change_acme,
    tenants,  # noqa: F401 - the fixture
)

ENDPOINTS = ("workspace.workbook", "workspace.dashboard", "workspace.front")


@pytest.fixture
def flask_calls(committed_app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The workspace views' calls: none for a request answered in front of Flask."""
    return count_calls(committed_app, monkeypatch, ENDPOINTS)


def _path(tenants: Any, page: str) -> str:
    if page == "front":
        return "/orgs/acme/workspace/"
    return f"/orgs/acme/workspace/{tenants.wb_id}/{page}"


@pytest.mark.parametrize("page", ["", "dashboard", "front"])
@pytest.mark.parametrize("who", ["owner", "editor", "editor in English"])
def test_the_page_is_the_one_flask_renders_for_the_samesigned_in(
    committed_app: Flask, tenants: Any, flask_calls: list[str], monkeypatch: pytest.MonkeyPatch,
    page: str, who: str,
) -> None:  # fmt: skip
    user = tenants.acme.owner if who == "owner" else tenants.editor
    client = signed_in(committed_app, user, **({"lang": "en"} if "English" in who else {}))
    path = _path(tenants, page)
    fast = warm(client, path, flask_calls)
    monkeypatch.setitem(committed_app.config, "KEPT_READER_PAGES", 0)
    calls = len(flask_calls)
    rendered = client.get(path)
    assert len(flask_calls) == calls + 1
    assert fast.get_data() == rendered.get_data()
    assert [h for h in fast.headers if h[0] != "X-Request-ID"] == [
        h for h in rendered.headers if h[0] != "X-Request-ID"
    ]
    assert "Strategi" in fast.get_data(as_text=True)


def test_the_walls_stand_in_front_of_flask(
    committed_app: Flask, tenants: Any, flask_calls: list[str]
) -> None:
    ours = _path(tenants, "")
    warm(signed_in(committed_app, tenants.acme.owner), ours, flask_calls)
    # fjord's owner with a session that names acme as current: the door lets them nowhere.
    outsider = signed_in(committed_app, tenants.fjord.owner, current_org="acme")
    for path in (ours, ours + "dashboard", "/orgs/acme/workspace/"):
        for _ in range(2):
            assert outsider.get(path).status_code == 404
    owner = signed_in(committed_app, tenants.acme.owner)
    warm(owner, ours, flask_calls)
    theirs = f"/orgs/acme/workspace/{tenants.theirs_id}/"
    assert owner.get(theirs).status_code == 404
    assert owner.get(theirs + "dashboard").status_code == 404


def test_a_removed_membership_and_a_lapse_show_on_the_next_request(
    committed_app: Flask, tenants: Any, flask_calls: list[str]
) -> None:
    ours = _path(tenants, "")
    adopt = f'action="/orgs/acme/workspace/{tenants.wb_id}/adopt"'
    editor = signed_in(committed_app, tenants.editor)
    assert adopt in warm(editor, ours, flask_calls).get_data(as_text=True)
    _change_acme(tenants, trial_ends_at=utcnow() - timedelta(minutes=1))
    page = editor.get(ours).get_data(as_text=True)
    assert adopt not in page and "ikke lenger tilgang" in page
    with scoping.system_scope():
        db.session.execute(delete(Membership).where(Membership.user_id == tenants.editor.id))
    db.session.commit()
    assert editor.get(ours).status_code == 404


def test_a_change_to_the_workbook_shows_on_the_next_request(
    committed_app: Flask, tenants: Any, flask_calls: list[str]
) -> None:
    owner = signed_in(committed_app, tenants.acme.owner)
    dashboard = _path(tenants, "dashboard")
    assert "Zyxny" not in warm(owner, dashboard, flask_calls).get_data(as_text=True)
    acme = tenants.acme
    acme.org = db.session.merge(acme.org)
    add_goal(acme, db.session.merge(tenants.wb), "Helt nytt mål Zyxny")
    db.session.commit()
    assert "Zyxny" in owner.get(dashboard).get_data(as_text=True)

"""Logged-in readers' warm article pages put together in front of Flask (kept_readers.py):
byte for byte the page Flask renders for the same reader, with the same headers; the reader's
access asked fresh on every request; anything unusual handed to Flask.

Committed rows: the middleware reads on the app's real engine, never the tests' one
connection (with that, every request goes through Flask)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier

from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.billing import grants
from portal.content import editorial, fragments
from portal.content.kept_readers import KeptReaderPages
from portal.content.models import Article
from portal.extensions import db
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from tests.content.conftest import CANARY, body_with_canary
from tests.support.kept import count_calls, signed_in, warm

VIEW = "content.article"


@dataclass
class Site:
    paid: Article
    members: Article
    subscriber: User
    member: User
    staff: User
    english: User
    seat: User
    orgs: tuple[Organization, Organization]


@pytest.fixture
def site(committed_app: Flask, create_user: Callable[..., User]) -> Iterator[Site]:
    editorial.ensure_categories()
    author = editorial.upsert_author("kept-forfatter", "Kept Forfatter", "Skriver.")
    articles = {}
    for access in ("paid", "members"):
        article = editorial.save_article(
            editorial.ArticleInput(
                title=f"Holdt artikkel {access}", slug=f"holdt-{access}",
                category="ikt-strategi", access=access, body_md=body_with_canary(access),
                lede="En kort ingress.", author=author.slug, tags=["strategi"],
            ),
            None,
        )  # fmt: skip
        editorial.publish(article, None)
        articles[access] = article
    subscriber = create_user(name="Abonnent Holdt")
    grants.grant_to_user(subscriber, "test")
    english = create_user(name="English Reader", locale="en")
    grants.grant_to_user(english, "test")
    seat = create_user(name="Sete Holdt")
    orgs = []
    for n in (1, 2):
        owner = create_user(name=f"Eier {n}")
        org = orgs_service.create_organization(owner, f"Holdt {n} AS", f"holdt-{n}", f"f{n}@x.no")
        orgs.append(org)
    member = create_user(name="Fri Holdt")
    staff = create_user(name="Redaktør Holdt", staff_role="editor")
    db.session.commit()
    yield Site(articles["paid"], articles["members"], subscriber, member, staff, english, seat,
               (orgs[0], orgs[1]))  # fmt: skip
    fragments.cache_of(committed_app).clear()


@pytest.fixture
def flask_calls(committed_app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The article view's calls: empty for a request answered in front of Flask."""
    return count_calls(committed_app, monkeypatch, (VIEW,))


def _warm_subscriber(app: Flask, site: Site, calls: list[str]) -> tuple[FlaskClient, str]:
    """A subscriber whose paid article page is answered in front of Flask from now on."""
    client = signed_in(app, site.subscriber)
    path = f"/articles/{site.paid.slug}"
    warm(client, path, calls)
    return client, path


def _by_flask(app: Flask, client: FlaskClient, path: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setitem(app.config, "KEPT_READER_PAGES", 0)
    try:
        return client.get(path)
    finally:
        monkeypatch.setitem(app.config, "KEPT_READER_PAGES", 1)


def _headers(response: Any) -> list[tuple[str, str]]:
    return [(n, v) for n, v in response.headers if n != "X-Request-ID"]


def _seat_in_both(site: Site) -> None:
    for org in site.orgs:
        orgs_service.add_member(
            db.session.merge(org), db.session.merge(site.seat), "member", None, "test", None
        )
    db.session.commit()


READERS = {
    "subscriber, paid article": ("subscriber", "paid", {}),
    "free member, paid teaser": ("member", "paid", {}),
    "free member, members article": ("member", "members", {}),
    "staff": ("staff", "paid", {}),
    "English by saved language": ("english", "paid", {}),
    "English by the session's choice": ("subscriber", "paid", {"lang": "en"}),
    "seat in two organisations, one current": ("seat", "paid", {"current_org": "holdt-2"}),
}


@pytest.mark.parametrize("case", READERS, ids=list(READERS))
def test_the_page_is_the_one_flask_renders_for_the_same_reader(
    committed_app: Flask, site: Site, flask_calls: list[str], monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:  # fmt: skip
    who, access, session = READERS[case]
    if who == "seat":
        _seat_in_both(site)
    client = signed_in(committed_app, getattr(site, who), **session)
    path = f"/articles/{getattr(site, access).slug}"
    fast = warm(client, path, flask_calls)
    calls = len(flask_calls)
    rendered = _by_flask(committed_app, client, path, monkeypatch)
    assert len(flask_calls) == calls + 1  # this one by Flask
    assert fast.get_data() == rendered.get_data()
    assert _headers(fast) == _headers(rendered)
    assert fast.headers["X-Request-ID"] != rendered.headers["X-Request-ID"]
    full = who in ("subscriber", "staff", "english", "seat") or access == "members"
    assert (CANARY[access] in fast.get_data(as_text=True)) is full


def test_a_revoked_grant_shows_on_the_next_request(
    committed_app: Flask, site: Site, flask_calls: list[str]
) -> None:
    client = signed_in(committed_app, site.subscriber)
    path = f"/articles/{site.paid.slug}"
    assert CANARY["paid"] in warm(client, path, flask_calls).get_data(as_text=True)
    grant = grants.active_user_grant(db.session.merge(site.subscriber))
    assert grant is not None
    grants.revoke(grant)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert CANARY["paid"] not in page and "Holdt artikkel paid" in page


def test_logging_out_everywhere_shows_on_the_next_request(
    committed_app: Flask, site: Site, flask_calls: list[str]
) -> None:
    client = signed_in(committed_app, site.member)
    path = f"/articles/{site.members.slug}"
    assert CANARY["members"] in warm(client, path, flask_calls).get_data(as_text=True)
    accounts_service.end_other_sessions(site.member)
    db.session.commit()
    assert CANARY["members"] not in client.get(path).get_data(as_text=True)


def test_a_lapsed_organisation_closes_the_paid_text_on_the_next_request(
    committed_app: Flask, site: Site, flask_calls: list[str]
) -> None:
    _seat_in_both(site)
    client = signed_in(committed_app, site.seat)
    path = f"/articles/{site.paid.slug}"
    assert CANARY["paid"] in warm(client, path, flask_calls).get_data(as_text=True)
    for org in site.orgs:
        db.session.merge(org).trial_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert CANARY["paid"] not in client.get(path).get_data(as_text=True)


def test_a_content_change_shows_on_the_next_request(
    committed_app: Flask, site: Site, flask_calls: list[str]
) -> None:
    client, path = _warm_subscriber(committed_app, site, flask_calls)
    article = db.session.merge(site.paid)
    data = editorial.input_from(article)
    data.title = "Ny tittel på holdt artikkel"
    editorial.save_article(data, None, article)
    db.session.commit()
    assert "Ny tittel på holdt artikkel" in client.get(path).get_data(as_text=True)


def test_a_flash_message_goes_to_flask_which_shows_it_once(
    committed_app: Flask, site: Site, flask_calls: list[str]
) -> None:
    client, path = _warm_subscriber(committed_app, site, flask_calls)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Beskjed Zyxflash til denne leseren")]
    calls = len(flask_calls)
    assert "Zyxflash" in client.get(path).get_data(as_text=True)
    assert len(flask_calls) == calls + 1
    assert "Zyxflash" not in client.get(path).get_data(as_text=True)


def test_a_session_from_another_browser_goes_to_flask_which_marks_it_not_fresh(
    committed_app: Flask, site: Site, flask_calls: list[str]
) -> None:
    client, path = _warm_subscriber(committed_app, site, flask_calls)
    with client.session_transaction() as session:
        session["_fresh"] = True
        session["_id"] = "not this browser"
    calls = len(flask_calls)
    response = client.get(path)
    assert len(flask_calls) == calls + 1
    assert "Set-Cookie" in response.headers
    with client.session_transaction() as session:
        assert session["_fresh"] is False


def test_a_query_string_or_a_head_request_goes_to_flask(
    committed_app: Flask, site: Site, flask_calls: list[str]
) -> None:
    client, path = _warm_subscriber(committed_app, site, flask_calls)
    calls = len(flask_calls)
    assert client.get(path + "?x=1").status_code == 200
    assert client.head(path).status_code == 200
    assert len(flask_calls) == calls + 2


def test_the_request_is_logged_with_its_id(
    committed_app: Flask, site: Site, flask_calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    client, path = _warm_subscriber(committed_app, site, flask_calls)
    caplog.set_level(logging.INFO, logger="portal.request")
    caplog.clear()
    calls = len(flask_calls)
    response = client.get(path, headers={"X-Request-ID": "proxy-given-id-123"})
    assert len(flask_calls) == calls  # answered in front of Flask
    assert response.headers["X-Request-ID"] == "proxy-given-id-123"
    logged = [r for r in caplog.records if r.name == "portal.request"]
    assert [(r.request_id, r.path, r.status) for r in logged] == [  # type: ignore[attr-defined]
        ("proxy-given-id-123", path, 200)
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": "Mozilla/5.0 (X11) Chromium/156"},
        {"User-Agent": "Ødelagt agent", "X-Forwarded-For": "10.0.0.7, 10.0.0.1"},
        {},
    ],
)
def test_the_session_identifier_is_flask_logins(
    committed_app: Flask, headers: dict[str, str]
) -> None:
    pages = KeptReaderPages(committed_app.wsgi_app, committed_app)
    with committed_app.test_request_context(
        "/articles/x", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.4"}
    ):
        expected = _create_identifier()
        environ = request.environ
    if "User-Agent" not in headers:
        environ.pop("HTTP_USER_AGENT", None)
        with committed_app.request_context(environ):
            expected = _create_identifier()
    assert pages._identifier(environ) == expected  # noqa: SLF001

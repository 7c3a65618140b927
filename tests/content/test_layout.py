"""The kept page layout: the same bytes as Jinja's, each reader's own header, the session's own
CSRF token and path in its holes, and never kept for a layout that reads unkeyed values."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup

from portal.accounts.models import User
from portal.billing.models import Subscription
from portal.content import fragments, layout
from portal.content.models import Article
from portal.extensions import db
from portal.orgs.models import Organization
from tests.content.conftest import Readers
from tests.content.test_fragments import _uncached


@pytest.fixture(autouse=True)
def _empty_cache(app: Flask) -> None:
    with app.app_context():
        fragments.cache().clear()


def _skeletons() -> list[layout.Skeleton]:
    entries = fragments.cache()._entries.values()  # noqa: SLF001
    return [e.value for e in entries if isinstance(e.value, layout.Skeleton)]


def _text(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_a_skeleton_is_kept_once_per_header_state_and_reused(
    client: FlaskClient, canaries: dict[str, Article], readers: Readers, login
) -> None:
    login(client, readers.member)
    for _ in range(3):
        _text(client, f"/articles/{canaries['paid'].slug}")
        _text(client, f"/articles/{canaries['members'].slug}")
    assert len(_skeletons()) == 1  # one template, one endpoint, one header state


@pytest.mark.parametrize("path", ["/search?q=a%26b%22c%3Cd", "/articles/?page=2&x=%C3%A6%22"])
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_pages_own_path_is_escaped_as_jinja_would(
    app: Flask,
    client: FlaskClient,
    canaries: dict[str, Article],
    readers: Readers,
    login,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    who: str,
) -> None:
    if who == "member":
        login(client, readers.member)
    kept = _text(client, path)
    assert _skeletons()
    token = _token(kept) if who == "member" else None
    _uncached(app, monkeypatch)
    plain = _text(client, path)
    if token:
        plain = plain.replace(_token(plain), token)
    assert kept == plain
    assert 'name="next" value="/' in kept
    assert "&#34;" in kept or "%22" in kept


def test_each_session_gets_its_own_working_csrf_token(
    app: Flask, canaries: dict[str, Article], readers: Readers, login
) -> None:
    path = f"/articles/{canaries['paid'].slug}"
    first, second = app.test_client(), app.test_client()
    login(first, readers.subscriber)
    login(second, readers.subscriber)
    tokens = [_token(_text(c, path)) for c in (first, second)]
    assert len(_skeletons()) == 1 and tokens[0] != tokens[1]
    # The other session's token is refused; the page's own one logs out.
    assert first.post("/logout", data={"csrf_token": tokens[1]}).status_code == 400
    assert first.post("/logout", data={"csrf_token": tokens[0]}).status_code == 303


def test_readers_in_other_organisations_never_see_each_others_header(
    client: FlaskClient,
    canaries: dict[str, Article],
    create_user: Callable[..., User],
    make_org: Callable[..., Organization],
    add_member,
    login,
) -> None:
    path = f"/articles/{canaries['members'].slug}"
    pages = {}
    for org_name in ("Qzorg Alfa AS", "Qzorg Beta AS"):
        reader = create_user()
        add_member(make_org(name=org_name), reader)
        login(client, reader)
        pages[org_name] = _text(client, path)
    assert "Qzorg Alfa AS" in pages["Qzorg Alfa AS"] and "Qzorg Beta" not in pages["Qzorg Alfa AS"]
    assert "Qzorg Beta AS" in pages["Qzorg Beta AS"] and "Qzorg Alfa" not in pages["Qzorg Beta AS"]
    assert len(_skeletons()) == 2


def test_the_payment_banner_is_the_readers_own_and_goes_when_paid(
    app: Flask,
    client: FlaskClient,
    canaries: dict[str, Article],
    create_user: Callable[..., User],
    login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = f"/articles/{canaries['paid'].slug}"
    payer = create_user()
    subscription = Subscription(
        stripe_subscription_id=f"sub_{secrets.token_hex(6)}",
        stripe_customer_id=f"cus_{secrets.token_hex(6)}",
        user_id=payer.id,
        status="past_due",
    )
    db.session.add(subscription)
    db.session.flush()
    login(client, payer)
    kept = _text(client, path)
    assert "billing-banner" in kept
    other = app.test_client()
    login(other, create_user())
    assert "billing-banner" not in _text(other, path)
    subscription.status = "active"
    db.session.flush()
    assert "billing-banner" not in _text(client, path)  # asked fresh on the next request
    subscription.status = "past_due"
    db.session.flush()
    token = _token(_text(client, path))
    _uncached(app, monkeypatch)
    plain = _text(client, path)
    assert kept == plain.replace(_token(plain), token)


def test_a_flash_message_is_shown_once_on_a_kept_page(
    app: Flask, client: FlaskClient, canaries: dict[str, Article], readers: Readers, login
) -> None:
    path = f"/articles/{canaries['paid'].slug}"
    login(client, readers.member)
    _text(client, path)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Kanarimelding Qflash")]
    assert "Kanarimelding Qflash" in _text(client, path)
    assert "Kanarimelding Qflash" not in _text(client, path)
    assert len(_skeletons()) == 1


def test_a_flash_on_a_cold_page_is_shown_once_and_never_kept_for_others(
    app: Flask, canaries: dict[str, Article], readers: Readers, login, create_user
) -> None:
    # Cold blocks render the whole page first, which takes the flash out of the session; the
    # layout must still be rendered for this reader alone, not kept with the message in it.
    reader, other = app.test_client(), app.test_client()
    login(reader, readers.member)
    login(other, create_user(name="Annen Leser"))
    with reader.session_transaction() as session:
        session["_flashes"] = [("success", "Velkommen, Kanarinavn Qflash!")]
    assert "Kanarinavn Qflash" in _text(reader, f"/articles/{canaries['paid'].slug}")
    assert "Kanarinavn Qflash" not in _text(reader, f"/articles/{canaries['paid'].slug}")
    assert "Kanarinavn Qflash" not in _text(other, f"/articles/{canaries['members'].slug}")


def test_only_layouts_that_read_keyed_values_are_kept(app: Flask) -> None:
    with app.app_context():
        article = fragments._layout(app, "content/article.html")  # noqa: SLF001
        assert layout.cacheable(app, "content/article.html", article.blocks, set())
        # An organisation page's layout shows the organisation and the member's role.
        assert not layout.cacheable(app, "orgs/overview.html", ("org_content",), set())
        # …unless the caller passes them, as part of the layout's key.
        assert layout.cacheable(app, "orgs/_layout.html", ("org_content",), {"org", "membership"})


def test_a_marker_a_filter_changed_makes_the_layout_per_request(app: Flask) -> None:
    block, slot = str(layout._hole("block", "content")), str(layout._hole("slot", "current_path"))  # noqa: SLF001
    kept = layout._split(f"<a>{block}</a><b>{slot}</b>")  # noqa: SLF001
    assert kept is not None and kept.holes == (("block", "content"), ("slot", "current_path"))
    with app.test_request_context("/articles/?a=1&b=2"):
        assert (
            kept.fill({"content": Markup("<p>x</p>")})
            == "<a><p>x</p></a><b>/articles/?a=1&amp;b=2</b>"
        )
    for changed in (slot.upper(), quote(slot), slot[1:]):
        assert layout._split(f"<a>{block}</a><b>{changed}</b>") is None  # noqa: SLF001

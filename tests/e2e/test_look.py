"""Every page a reader, a member, an organisation owner and an editor reaches, at 1280 and 390 px.

Each page is saved as a screenshot (under the pytest basetemp, `screenshots/`), must not be
wider than the viewport, and must have no serious or critical axe-core violation. A keyboard
walk checks the main journey without a mouse.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal import demo
from portal.accounts.models import User
from portal.content.models import Article, Author, Category, Tag
from portal.extensions import db
from portal.orgs.models import Organization

WIDTHS = (1280, 390)
PASSWORD = "demo-password"
READER_PAGES = [
    "/",
    "/articles/",
    "/articles/hva-er-en-digital-strategi",
    "/articles/beskriv-dagens-situasjon",
    "/articles/strategiske-veivalg",
    "/categories/{category}",
    "/tags/{tag}",
    "/authors/{author}",
    "/search?q=strategi",
    "/billing/pricing",
    "/contact?topic=subscription",
    "/privacy",
    "/terms",
    "/login",
    "/signup",
    "/reset",
    "/login/link",
    "/login/verify-again",
    "/finnes-ikke",
]
MEMBER_PAGES = [
    "/",
    "/articles/beskriv-dagens-situasjon",
    "/articles/strategiske-veivalg",
    "/account",
    "/account/email",
    "/account/password",
    "/account/delete",
    "/billing/manage",
    "/billing/pricing",
    "/orgs/",
    "/orgs/new",
    "/contact",
]
OWNER_PAGES = [
    "/orgs/",
    "/orgs/acme/",
    "/orgs/acme/members",
    "/orgs/acme/invitations",
    "/orgs/acme/settings",
    "/orgs/acme/audit",
    "/orgs/acme/delete",
    "/orgs/acme/billing/",
    "/billing/pricing",
    "/articles/strategiske-veivalg",
]
EDITOR_PAGES = [
    "/staff/",
    "/staff/articles",
    "/staff/articles/new",
    "/staff/articles/{article_id}",
    "/staff/articles/{article_id}/preview",
    "/staff/articles/{article_id}/revisions",
    "/staff/articles/audit",
    "/staff/categories",
    "/staff/authors",
]
PERSONAS = {
    "reader": (None, READER_PAGES),
    "member": ("reader@example.com", MEMBER_PAGES),
    "owner": ("owner@acme.example.com", OWNER_PAGES),
    "editor": ("editor@example.com", EDITOR_PAGES),
}


@pytest.fixture
def demo_site(committed_app: Flask, live_server: Any) -> dict[str, Any]:
    """The demo data, and the ids and slugs the page list needs."""
    demo.seed_all()
    db.session.commit()
    article = db.session.scalars(select(Article).order_by(Article.id)).first()
    values = {
        "category": db.session.scalars(select(Category).order_by(Category.position)).first().slug,
        "tag": db.session.scalars(select(Tag).order_by(Tag.id)).first().slug,
        "author": db.session.scalars(select(Author).order_by(Author.id)).first().slug,
        "article_id": article.id,
        "user_id": db.session.scalar(select(User.id).where(User.email == "reader@example.com")),
        "org_id": db.session.scalar(select(Organization.id).where(Organization.slug == "acme")),
    }
    return {"url": live_server.url, "values": values}


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def axe() -> Any:
    module = pytest.importorskip("axe_playwright_python.sync_playwright")
    return module.Axe()


def _context(browser: Any, base_url: str, width: int) -> Any:
    return browser.new_context(
        base_url=base_url, viewport={"width": width, "height": 900}, locale="nb-NO"
    )


def _log_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _problems(page: Any, axe: Any) -> list[str]:
    problems = []
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    if max(widths[:2]) > widths[2]:
        problems.append(f"{max(widths[:2])} px wide in a {widths[2]} px viewport")
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"axe {violation['impact']} {violation['id']}: {targets}")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_page_fits_the_screen_and_passes_axe(
    browser: Any, demo_site: dict[str, Any], axe: Any, screenshots: Path, persona: str, width: int
) -> None:
    email, paths = PERSONAS[persona]
    context = _context(browser, demo_site["url"], width)
    page = context.new_page()
    try:
        if email:
            _log_in(page, email)
        failures = []
        for template in paths:
            path = template.format(**demo_site["values"])
            response = page.goto(path)
            expected = 404 if path == "/finnes-ikke" else 200
            assert response.status == expected, f"{path}: {response.status}"
            slug = re.sub(r"[^A-Za-z0-9-]+", "_", path.strip("/")) or "home"
            name = f"{persona}-{width}-{slug}"
            page.screenshot(path=str(screenshots / f"{name[:120]}.png"), full_page=True)
            failures += [f"{path}: {problem}" for problem in _problems(page, axe)]
        assert not failures, "\n".join(failures)
    finally:
        context.close()


def _tab_to(page: Any, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text (or value) is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate(
            "(document.activeElement.innerText || document.activeElement.value || '').trim()"
        )
        if text == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def _tab_to_field(page: Any, field_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == field_id:
            return
    raise AssertionError(f"Tab never reached #{field_id}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_way_to_buying_works_by_keyboard_alone(
    browser: Any, demo_site: dict[str, Any], axe: Any, width: int
) -> None:
    """Skip link, menu (folded on a phone), paywall, pricing, quote request: no mouse."""
    context = _context(browser, demo_site["url"], width)
    page = context.new_page()
    try:
        page.goto("/articles/strategiske-veivalg")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.innerText") == "Hopp til innhold"
        page.keyboard.press("Enter")
        assert page.url.endswith("#main")

        page.goto("/")
        if width < 768:
            _tab_to(page, "Meny")
            page.keyboard.press("Enter")
        _tab_to(page, "Priser")
        page.keyboard.press("Enter")
        page.wait_for_url("**/billing/pricing")

        _tab_to(page, "Be om et tilbud")
        page.keyboard.press("Enter")
        page.wait_for_url("**/contact?topic=subscription")
        for field_id, text in (
            ("name", "Tastatur Bruker"),
            ("email", "tastatur@example.org"),
            ("message", "Jeg vil gjerne ha et tilbud."),
        ):
            _tab_to_field(page, field_id)
            page.keyboard.type(text)
        _tab_to(page, "Send")
        page.keyboard.press("Enter")
        page.wait_for_url("**/contact/sent**")
        assert page.get_by_role("heading", name="Takk for henvendelsen").is_visible()
        assert _problems(page, axe) == []
    finally:
        context.close()

"""Browser tests: Playwright driving Debian's Chromium against a live server (never a download)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.services import wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# take(page, name): a full-page screenshot kept as an artefact of the run.
Shot = Callable[[Any, str], None]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it when root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, live_server: object) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


class MailFolder:
    """The .eml files the live server's outbox wrote (MAIL_URL=file://…)."""

    def __init__(self, app: Flask) -> None:
        self.folder = Path(app.config["MAIL_URL"].removeprefix("file://"))

    def link_to(self, address: str, path_prefix: str) -> str:
        for eml in sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            message = message_from_bytes(eml.read_bytes(), policy=policy.default)
            if address not in str(message["To"]):
                continue
            text = message.get_body(preferencelist=("plain",)).get_content()
            match = re.search(r"https?://[^\s]+(" + re.escape(path_prefix) + r"[^\s]+)", text)
            if match:
                return match.group(1)
        raise AssertionError(f"no mail to {address} with a {path_prefix} link")

    def wait_for_link(self, address: str, path_prefix: str, timeout: float = 10) -> str:
        """The path of the link, once the outbox has written the mail."""

        def found() -> str | None:
            try:
                return self.link_to(address, path_prefix)
            except AssertionError:
                return None

        return wait_for(found, timeout=timeout)


@pytest.fixture
def mail_folder(committed_app: Flask) -> MailFolder:
    return MailFolder(committed_app)


@pytest.fixture
def shot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Shot:
    """Screenshots land in <basetemp>/screenshots/, named after the test and the step."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(folder / f"{request.node.name}-{name}.png"), full_page=True)

    return take

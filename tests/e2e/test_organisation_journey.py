"""The organisation journey in Debian's Chromium on the full stack (a live server on
PostgreSQL, Redis, a real Celery worker, an SMTP sink): an owner creates an organisation and
invites a colleague by e-mail; the colleague accepts in a browser of their own; both edit a
workbook made from a template, see each other's change and collide on one section (the second
gets the conflict page with both texts); the owner adopts a version and exports it as PDF; the
worker renders it; the colleague downloads it from the export history."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader

from portal.extensions import db
from portal.workspace import templates_loader
from tests.conftest import PASSWORD
from tests.e2e.conftest import Shot
from tests.support.services import CeleryWorker, LiveServer, RedisServer, SmtpSink, body_text

pytestmark = pytest.mark.slow

OWNER, COLLEAGUE = "eier@fjellvann.example", "kollega@fjellvann.example"
# Every wait of the journey is bounded: a hung worker fails the test, it does not hang it.
STEP_MS = 15_000
EXPORT_MS = 120_000


@dataclass
class TwoBrowsers:
    owner: Any
    colleague: Any
    server: LiveServer


@pytest.fixture
def two_browsers(
    browser: Any,
    committed_app: Flask,
    make_app: Callable[..., Flask],
    redis_server: RedisServer,
    smtp_sink: SmtpSink,
    celery_worker_factory: Callable[..., CeleryWorker],
    create_user: Callable[..., Any],
) -> Iterator[TwoBrowsers]:
    """Two people in two browser contexts (separate cookies) on one live server whose mail
    and exports go through Redis and a Celery worker sharing the server's export folder."""
    templates_loader.load()
    create_user(OWNER, name="Eva Eier")
    create_user(COLLEAGUE, name="Kari Kollega")
    db.session.commit()
    celery_worker_factory(
        redis_server.url, smtp_sink.url, EXPORT_DIR=committed_app.config["EXPORT_DIR"]
    )
    server = LiveServer(make_app(REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url))
    server.start()
    contexts = [browser.new_context(base_url=server.url, locale="nb-NO") for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(STEP_MS)
    try:
        yield TwoBrowsers(contexts[0].new_page(), contexts[1].new_page(), server)
    finally:
        for context in contexts:
            context.close()
        server.stop()


def log_in(page: Any, email: str) -> None:
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def prose_box(page: Any) -> Any:
    # The label names the text box (the section around it once had the same id, and the
    # label pointed at the section: a screen reader heard "Tekst" on nothing editable).
    return page.get_by_role("textbox", name="Tekst", exact=True)


def save_prose(page: Any, text: str) -> None:
    prose_box(page).fill(text)
    page.get_by_role("button", name="Lagre teksten").click()


def test_an_organisation_invites_edits_together_collides_adopts_and_shares_a_pdf(
    two_browsers: TwoBrowsers, smtp_sink: SmtpSink, shot: Shot
) -> None:
    owner, colleague = two_browsers.owner, two_browsers.colleague

    # The owner creates the organisation through the form (a trial: no Stripe needed).
    owner.goto("/login?next=/orgs/new")
    log_in(owner, OWNER)
    owner.wait_for_url("**/orgs/new")
    owner.get_by_label("Navn på organisasjonen").fill("Fjellvann AS")
    owner.get_by_label("Adressenavn").fill("fjellvann")
    owner.get_by_label("E-post for faktura").fill("faktura@fjellvann.example")
    owner.get_by_role("button", name="Opprett organisasjon").click()
    owner.wait_for_url("**/orgs/fjellvann/")
    assert "Prøveperioden har startet" in owner.content()
    shot(owner, "organisation-created")

    # … and invites a colleague as an editor; the invitation leaves through the worker and SMTP.
    owner.goto("/orgs/fjellvann/invitations")
    owner.get_by_label("E-postadresse").fill(COLLEAGUE)
    owner.get_by_label("Rolle").select_option("editor")
    owner.get_by_role("button", name="Send invitasjon").click()
    assert COLLEAGUE in owner.locator("main").inner_text()
    [mail] = smtp_sink.wait_for_mail(COLLEAGUE, timeout=60)
    assert mail["Subject"] == "Invitasjon til Fjellvann AS på Veivalg"
    link = re.search(r"https?://\S+(/orgs/invitations/\S+)", body_text(mail))
    assert link, body_text(mail)

    # The colleague, in a browser of their own, logs in from the invitation and accepts.
    colleague.goto(link.group(1))
    assert "Invitasjon til Fjellvann AS" in colleague.content()
    colleague.get_by_role("link", name="Logg inn").last.click()
    log_in(colleague, COLLEAGUE)
    colleague.wait_for_url(f"**{link.group(1)}")
    shot(colleague, "invitation")
    colleague.get_by_role("button", name="Takk ja og bli med").click()
    colleague.wait_for_url("**/orgs/fjellvann/")
    assert "Velkommen til Fjellvann AS!" in colleague.content()

    # The owner starts a workbook from the IKT-strategi template.
    owner.goto("/orgs/fjellvann/workspace/new")
    owner.get_by_label("IKT-strategi", exact=True).check()
    owner.get_by_label("Tittel").fill("Digital strategi 2027–2030")
    owner.get_by_role("button", name="Opprett arbeidsboken").click()
    owner.wait_for_url(re.compile(r"/workspace/\d+/$"))
    workbook_url = owner.url.removeprefix(two_browsers.server.url)
    owner.get_by_role("link", name="Mandat og kobling til forretningsstrategien").click()
    owner.wait_for_url(re.compile(r"/sections/\d+$"))
    section_url = owner.url.removeprefix(two_browsers.server.url)

    # The owner writes; the colleague sees it.
    first = "Styret bestilte strategien i mars. Den skal støtte målet om vekst i nord."
    save_prose(owner, first)
    assert "Teksten er lagret." in owner.content()
    colleague.goto(section_url)
    assert prose_box(colleague).input_value() == first
    assert "Sist lagret av Eva Eier" in colleague.content()
    shot(colleague, "sees-the-owners-text")

    # Both have the section open at the same version; the owner saves first.
    owner.goto(section_url)
    ours = first + " Eieren legger til: budsjettet er 2 millioner kroner."
    theirs = first + " Kollegaen legger til: tre nye fagsystemer innen 2028."
    prose_box(colleague).fill(theirs)
    save_prose(owner, ours)
    with colleague.expect_response(lambda r: r.request.method == "POST") as posted:
        colleague.get_by_role("button", name="Lagre teksten").click()
    assert posted.value.status == 409
    conflict = colleague.locator("#conflict")
    assert "Noen andre lagret denne delen mens du skrev" in conflict.inner_text()
    assert colleague.locator("#theirs").input_value() == ours  # the saved version …
    assert prose_box(colleague).input_value() == theirs  # … and the colleague's own, kept
    shot(colleague, "conflict")

    # The owner adopts the workbook as it is (the owner's version) …
    owner.goto(workbook_url)
    owner.get_by_label("Navn på versjonen").fill("Vedtatt i styret")
    owner.get_by_role("button", name="Vedta", exact=True).click()
    owner.wait_for_url(re.compile(r"/versions/\d+$"))
    assert "Versjonen er vedtatt og lagret." in owner.content()
    shot(owner, "adopted")
    snapshot_id = re.search(r"/versions/(\d+)$", owner.url).group(1)
    workbook_id = re.search(r"/workspace/(\d+)", workbook_url).group(1)

    # … and asks for a PDF of that version; the worker renders it while the page polls.
    owner.goto(f"/orgs/fjellvann/exports/?workbook_id={workbook_id}")
    owner.get_by_label("Versjon (valgfritt)").select_option(snapshot_id)
    owner.get_by_label("Format").select_option("pdf")
    owner.get_by_role("button", name="Lag eksport").click()
    owner.wait_for_url(re.compile(r"/exports/\d+$"))
    owner.get_by_text("Eksporten er klar.").wait_for(timeout=EXPORT_MS)
    shot(owner, "export-ready")

    # The colleague finds it in the export history and downloads it.
    colleague.goto("/orgs/fjellvann/exports/")
    shot(colleague, "export-history")
    with colleague.expect_download() as download:
        colleague.get_by_role("link", name="Last ned").first.click()
    data = download.value.path().read_bytes() if download.value.path() else b""
    assert data.startswith(b"%PDF"), data[:20]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    assert "FJELLVANN AS" in text.upper() and "Vedtatt i styret" in text
    assert "budsjettet er 2 millioner" in text and "tre nye fagsystemer" not in text
    assert download.value.suggested_filename.endswith(".pdf")

"""The workspace's "done when": acme's owner adds a goal with a measurement and a linked
measure, sees the dashboard change, fixes a gap, adopts and compares — on a desktop and a
phone; fjord's owner reaches none of it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from portal import demo
from portal.extensions import db
from tests.e2e.test_look import _problems


@pytest.fixture
def axe() -> Any:
    module = pytest.importorskip("axe_playwright_python.sync_playwright")
    return module.Axe()


def log_in(page, email: str, password: str) -> None:  # noqa: ANN001
    page.goto("/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
)
def test_the_owner_works_through_the_ikt_strategi(
    page: Any, committed_app: Flask, viewport: dict[str, int], axe: Any
) -> None:
    demo.seed_all()
    db.session.commit()
    password = committed_app.config["DEMO_PASSWORD"]
    page.set_viewport_size(viewport)
    log_in(page, "owner@acme.example.com", password)

    page.goto("/orgs/acme/")
    page.get_by_role("link", name="Gå til arbeidsrommet").click()
    page.get_by_role("link", name="IKT-strategi for Acme", exact=False).first.click()
    workbook_url = page.url
    # The overview with its actions (dashboard, export, import) fits the screen, axe-clean.
    assert _problems(page, axe) == []
    page.get_by_role("link", name="Importer fra Excel").click()
    workbook_id = workbook_url.rstrip("/").rsplit("/", 1)[-1]
    assert page.get_by_label("Arbeidsbok").input_value() == workbook_id
    page.goto(workbook_url)
    page.get_by_role("link", name="Dashbord").click()
    before = page.locator("svg").first.inner_html()

    page.goto(workbook_url)
    page.get_by_role("link", name="Digitale mål").click()
    page.get_by_role("link", name="Legg til", exact=True).click()
    page.get_by_label("Tittel", exact=True).fill("Færre manuelle rutiner")
    page.get_by_label("Indikator (enhet)").fill("rutiner")
    page.get_by_label("Utgangsverdi").fill("40")
    page.get_by_label("Målverdi").fill("10,5")
    page.get_by_role("button", name="Lagre").click()
    page.get_by_label("Dato", exact=True).fill("2026-11-01")
    page.get_by_label("Verdi", exact=True).fill("30,5")
    page.get_by_role("button", name="Legg til målingen").click()
    assert "30,5 rutiner" in page.content()

    page.goto(workbook_url)
    page.get_by_role("link", name="Tiltak og handlingsplan").click()
    page.get_by_role("link", name="Legg til", exact=True).click()
    page.get_by_label("Tittel", exact=True).fill("Robot for fakturamottak")
    page.get_by_label("Bidrar til målene").select_option(label="Færre manuelle rutiner")
    page.get_by_label("Effekt (1–5)").fill("4")
    page.get_by_label("Innsats (1–5)").fill("2")
    page.get_by_role("button", name="Lagre").click()

    page.goto(workbook_url)
    page.get_by_role("link", name="Dashbord").click()
    assert "Færre manuelle rutiner" in page.content()
    assert page.locator("svg").first.inner_html() != before

    page.goto(workbook_url)
    gap = "Tiltaket «Kurs i sikkerhet for alle» er ikke knyttet til et mål."
    assert gap in page.content()
    page.locator("li", has_text=gap).get_by_role("link", name="Rett det").click()
    page.get_by_label("Bidrar til målene").select_option(label="Færre manuelle rutiner")
    page.get_by_role("button", name="Lagre").click()
    page.goto(workbook_url)
    assert gap not in page.content()

    page.get_by_label("Ny status").select_option(label="Til behandling")
    page.get_by_role("button", name="Endre status").click()
    page.get_by_label("Navn på versjonen").fill("Vedtatt i styret")
    page.get_by_role("button", name="Vedta", exact=True).click()
    assert "Vedtatt i styret" in page.content()
    page.goto(workbook_url)
    page.get_by_role("link", name="Sammenlign med nå").first.click()
    assert "Endringer siden" in page.content()

    page.context.clear_cookies()  # logged out (on a phone the button sits in the folded menu)
    log_in(page, "owner@fjord.example.com", password)
    response = page.goto(workbook_url)
    assert response.status == 404

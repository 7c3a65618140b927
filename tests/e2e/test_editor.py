"""The writing page in a browser: the address follows the title, the toolbar and the paywall
button work, and the preview shows where the paywall falls."""

from __future__ import annotations

from flask import Flask

from portal.accounts import service as accounts_service
from portal.content import editorial
from portal.extensions import db

PASSWORD = "en lang og god passfrase"


def test_editor_writes_with_the_helpers_and_previews_the_paywall(
    page, committed_app: Flask
) -> None:
    editorial.ensure_categories()
    accounts_service.create_user(
        "redaktor@example.org", "Rita Redaktør", PASSWORD, verified=True, staff_role="editor"
    )
    db.session.commit()

    page.goto("/login")
    page.get_by_label("E-postadresse").fill("redaktor@example.org")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.goto("/staff/articles/new")

    page.get_by_label("Tittel", exact=True).fill("Økonomi på tvers av etater")
    assert page.get_by_label("Adresse", exact=True).input_value() == "okonomi-pa-tvers-av-etater"
    page.get_by_label("Adresse", exact=True).fill("min-adresse")
    page.get_by_label("Tittel", exact=True).fill("Økonomi på tvers av etatene")
    assert (
        page.get_by_label("Adresse", exact=True).input_value() == "min-adresse"
    )  # the editor's choice

    body = page.get_by_label("Tekst (Markdown)")
    body.fill("Åpen innledning.\n\n")
    body.press("End")
    page.get_by_role("button", name="Sett inn betalingsmur her").click()
    body.press("Control+End")
    body.type("Lukket fortsettelse.")
    assert "<!-- paywall -->" in body.input_value()
    page.get_by_label("Tilgang").select_option(label="For abonnenter")
    page.get_by_role("button", name="Forhåndsvis").click()

    preview = page.locator(".vv-editor__preview")
    assert preview.get_by_text("Betalingsmur: resten er for abonnenter").is_visible()
    text = preview.inner_text()
    assert text.index("Åpen innledning.") < text.index("Betalingsmur") < text.index("Lukket")
    assert (
        page.get_by_label("Adresse", exact=True).input_value() == "min-adresse"
    )  # kept on the round trip

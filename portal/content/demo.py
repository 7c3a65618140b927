"""Demo content for `flask seed-demo`: categories, the three authors and the bundled articles."""

from __future__ import annotations

from pathlib import Path

from flask_babel import force_locale

from portal.content import importer

DEMO_DIR = Path(__file__).resolve().parent / "demo_articles"


def seed() -> dict[str, int]:
    """Load the bundled articles through the same code as `flask import-articles`."""
    with force_locale("nb"):
        return importer.import_directory(DEMO_DIR)

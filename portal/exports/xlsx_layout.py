"""The spreadsheet layout shared by the XLSX export and the import: sheets, columns, cell kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _

# Cell kinds: how a value is written (typed cell, number format, validation) and read back.
ID = "id"
TEXT = "text"
INT = "int"
SCALE = "scale"  # a whole number 1–5
NUMBER = "number"
NOK = "nok"
DATE = "date"
PERCENT = "percent"
STATUS = "status"
BENEFIT_TYPE = "benefit_type"
BOOL = "bool"
IDS = "ids"  # a comma-separated list of ids


@dataclass(frozen=True)
class Column:
    key: str
    label: Callable[[], str]
    kind: str
    width: int = 14
    # Derived in the export (progress, a risk's score); ignored by the import.
    read_only: bool = False


@dataclass(frozen=True)
class Sheet:
    key: str
    title: Callable[[], str]
    columns: tuple[Column, ...]

    def labels(self) -> list[str]:
        return [column.label() for column in self.columns]


GOALS = Sheet(
    "goals",
    lambda: pgettext("ark", "Mål"),
    (
        Column("id", lambda: _("ID"), ID, 8),
        Column("title", lambda: pgettext("kolonne", "Mål"), TEXT, 40),
        Column("description", lambda: _("Beskrivelse"), TEXT, 50),
        Column("business_goal", lambda: _("Virksomhetsmål"), TEXT, 30),
        Column("unit", lambda: _("Enhet"), TEXT, 12),
        Column("baseline", lambda: _("Utgangsverdi"), NUMBER),
        Column("target", lambda: _("Målverdi"), NUMBER),
        Column("target_date", lambda: _("Måldato"), DATE),
        Column("owner", lambda: _("Ansvarlig"), TEXT, 20),
        Column("progress_pct", lambda: _("Fremdrift"), PERCENT, 12, read_only=True),
    ),
)

MEASUREMENTS = Sheet(
    "measurements",
    lambda: pgettext("ark", "Målinger"),
    (
        Column("goal_id", lambda: _("Mål-ID"), ID, 8),
        Column("goal", lambda: pgettext("kolonne", "Mål"), TEXT, 40, read_only=True),
        Column("date", lambda: _("Dato"), DATE),
        Column("value", lambda: _("Verdi"), NUMBER),
        Column("note", lambda: _("Merknad"), TEXT, 40),
    ),
)

MEASURES = Sheet(
    "measures",
    lambda: pgettext("ark", "Tiltak"),
    (
        Column("id", lambda: _("ID"), ID, 8),
        Column("title", lambda: pgettext("kolonne", "Tiltak"), TEXT, 40),
        Column("description", lambda: _("Beskrivelse"), TEXT, 50),
        Column("owner", lambda: _("Ansvarlig"), TEXT, 20),
        Column("priority", lambda: _("Prioritet"), INT, 10),
        Column("effect", lambda: _("Effekt (1–5)"), SCALE, 12),
        Column("effort", lambda: _("Innsats (1–5)"), SCALE, 12),
        Column("investment_nok", lambda: _("Investering (kr)"), NOK, 16),
        Column("operating_nok", lambda: _("Drift per år (kr)"), NOK, 16),
        Column("start", lambda: _("Start"), DATE),
        Column("end", lambda: _("Slutt"), DATE),
        Column("status", lambda: _("Status"), STATUS, 14),
        Column("goal_ids", lambda: _("Mål-ID-er"), IDS, 14),
    ),
)

BENEFITS = Sheet(
    "benefits",
    lambda: pgettext("ark", "Gevinster"),
    (
        Column("id", lambda: _("ID"), ID, 8),
        Column("description", lambda: _("Gevinst"), TEXT, 50),
        Column("type", lambda: _("Type"), BENEFIT_TYPE, 16),
        Column("priced", lambda: _("Prissatt"), BOOL, 10),
        Column("amount_nok", lambda: _("Beløp (kr)"), NOK, 16),
        Column("owner", lambda: _("Gevinsteier"), TEXT, 20),
        Column("measure_ids", lambda: _("Tiltak-ID-er"), IDS, 14),
        # The workspace keeps no indicator text for a benefit (its goal shows it): read-only.
        Column("indicator", lambda: _("Indikator"), TEXT, 30, read_only=True),
    ),
)

RISKS = Sheet(
    "risks",
    lambda: pgettext("ark", "Risikoer"),
    (
        Column("id", lambda: _("ID"), ID, 8),
        Column("description", lambda: _("Risiko"), TEXT, 50),
        Column("probability", lambda: _("Sannsynlighet (1–5)"), SCALE, 14),
        Column("consequence", lambda: _("Konsekvens (1–5)"), SCALE, 14),
        Column("score", lambda: _("Risikoverdi"), INT, 12, read_only=True),
        Column("mitigation", lambda: _("Tiltak mot risikoen"), TEXT, 40),
        Column("owner", lambda: _("Ansvarlig"), TEXT, 20),
    ),
)

SHEETS = (GOALS, MEASUREMENTS, MEASURES, BENEFITS, RISKS)


def sheet_titles() -> dict[str, Sheet]:
    """Every sheet by its title in every language (an import may come from either)."""
    titles: dict[str, Sheet] = {}
    for locale in ("nb", "en"):
        with force_locale(locale):
            titles.update({sheet.title(): sheet for sheet in SHEETS})
    return titles

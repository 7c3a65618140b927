"""The structured parts of a section as tables of display text, for PDF, Word and Markdown alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import pgettext

from portal.exports import labels
from portal.exports.document import DocGoal, DocSection


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    # Columns of numbers and dates (right-aligned in print).
    numeric: set[int] = field(default_factory=set)
    # A heading above the table (the goals' measurements), if any.
    caption: str | None = None
    # Goal progress per row (0–100), drawn as a bar in print.
    progress: list[float | None] = field(default_factory=list)


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _int(value: int | None) -> str:
    return str(value) if value is not None else ""


def _readings(goal: DocGoal) -> str:
    """A goal's readings, oldest first, on one line: "01.03.2026: 42,5 (Første måling) · …"."""
    parts = []
    for m in goal.measurements:
        text = f"{labels.day(m.date)}: {labels.number(m.value)}"
        parts.append(f"{text} ({m.note})" if m.note else text)
    return " · ".join(parts)


def section_tables(section: DocSection) -> list[Table]:
    """The tables of a section: goals (then their measurements), measures, benefits, risks."""
    tables: list[Table] = []
    if section.goals:
        tables.append(
            Table(
                [_("ID"), pgettext("kolonne", "Mål"), _("Beskrivelse"), _("Virksomhetsmål"),
                 _("Enhet"),
                 _("Utgangsverdi"), _("Målverdi"), _("Måldato"), _("Ansvarlig"), _("Fremdrift")],
                [[str(g.id), g.title, g.description, g.business_goal, g.unit,
                  labels.number(g.baseline), labels.number(g.target), labels.day(g.target_date),
                  g.owner, labels.percent(g.progress_pct)] for g in section.goals],
                numeric={5, 6, 7, 9},
                progress=[g.progress_pct for g in section.goals],
            )
        )  # fmt: skip
        measured = [g for g in section.goals if g.measurements]
        if measured:
            # One compact table for every goal's readings, a row per goal: a table per goal
            # cost the PDF a fifth of its layout time and boards read a row as a trend.
            tables.append(
                Table(
                    [_("ID"), pgettext("kolonne", "Mål"), _("Målinger (dato: verdi)")],
                    [[str(g.id), g.title, _readings(g)] for g in measured],
                    caption=_("Målinger"),
                )
            )
    if section.measures:
        tables.append(
            Table(
                [_("ID"), pgettext("kolonne", "Tiltak"), _("Beskrivelse"), _("Ansvarlig"),
                 _("Prioritet"),
                 _("Effekt (1–5)"), _("Innsats (1–5)"), _("Investering (kr)"),
                 _("Drift per år (kr)"), _("Start"), _("Slutt"), _("Status"), _("Mål-ID-er")],
                [[str(m.id), m.title, m.description, m.owner, _int(m.priority), _int(m.effect),
                  _int(m.effort), labels.nok(m.investment_nok), labels.nok(m.operating_nok),
                  labels.day(m.start), labels.day(m.end), labels.measure_status(m.status),
                  _ids(m.goal_ids)] for m in section.measures],
                numeric={4, 5, 6, 7, 8, 9, 10},
            )
        )  # fmt: skip
    if section.benefits:
        tables.append(
            Table(
                [_("ID"), _("Gevinst"), _("Type"), _("Prissatt"), _("Beløp (kr)"),
                 _("Gevinsteier"), _("Tiltak-ID-er"), _("Indikator")],
                [[str(b.id), b.description, labels.benefit_type(b.type), labels.yes_no(b.priced),
                  labels.nok(b.amount_nok), b.owner, _ids(b.measure_ids), b.indicator]
                 for b in section.benefits],
                numeric={4},
            )
        )  # fmt: skip
    if section.risks:
        tables.append(
            Table(
                [_("ID"), _("Risiko"), _("Sannsynlighet (1–5)"), _("Konsekvens (1–5)"),
                 _("Risikoverdi"), _("Tiltak mot risikoen"), _("Ansvarlig")],
                [[str(r.id), r.description, _int(r.probability), _int(r.consequence),
                  _int(r.score), r.mitigation, r.owner] for r in section.risks],
                numeric={2, 3, 4},
            )
        )  # fmt: skip
    return tables

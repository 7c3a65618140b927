"""Method checks: the gaps in a workbook that the digital-strategy method would not accept.

Each gap says what is missing, where it is fixed and which article explains why it matters.
The checks read the plain workbook data (documents.py), so they cost no statements of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

# The teaching articles when a template section names none.
FALLBACK_ARTICLES = {
    "period": "strategisk-planlegging-som-prosess",
    "mandate": "hva-er-en-digital-strategi",
    "goals": "digitale-mal-knyttet-til-forretningsmal",
    "measures": "tiltak-og-prioritering",
    "benefits": "gevinstrealisering",
}
MANDATE_SECTION = "mandat"


@dataclass(frozen=True)
class Gap:
    """One gap: `fix` is (endpoint, url arguments, anchor) of the page where it is fixed."""

    code: str
    message: str
    fix: tuple[str, dict[str, Any], str]
    article: str
    target_id: int | None = None


@dataclass
class _Context:
    workbook_id: int
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def article(self, kind: str, fallback: str) -> str:
        for section in self.sections.values():
            if section["kind"] == kind and section.get("articles"):
                return section["articles"][0]
        return FALLBACK_ARTICLES[fallback]


def check(data: dict[str, Any], today: date | None = None) -> list[Gap]:
    """Every gap of the workbook `data` (documents.full or an overview subset)."""
    today = today or date.today()
    header = data["workbook"]
    wid = header["id"]
    ctx = _Context(wid, {s["key"]: s for s in data.get("sections", [])})
    overview = ("workspace.workbook", {"workbook_id": wid}, "settings")
    gaps: list[Gap] = []
    if header["period_from"] is None or header["period_to"] is None:
        gaps.append(Gap("no_period", _("Arbeidsboken har ingen planperiode."), overview,
                        FALLBACK_ARTICLES["period"]))  # fmt: skip
    mandate = ctx.sections.get(MANDATE_SECTION)
    if mandate is not None and not (mandate.get("prose_md") or "").strip():
        gaps.append(Gap(
            "no_mandate",
            _("Koblingen til virksomhetsstrategien er ikke beskrevet."),
            ("workspace.section", {"workbook_id": wid, "section_id": mandate["id"]}, "prose"),
            (mandate.get("articles") or [FALLBACK_ARTICLES["mandate"]])[0],
        ))  # fmt: skip
    goal_article = ctx.article("goals", "goals")
    this_year = today.year
    in_period = (
        (header["period_from"] or this_year) <= this_year <= (header["period_to"] or this_year)
    )
    for goal in data.get("goals", []):
        fix = ("workspace.goal", {"workbook_id": wid, "goal_id": goal["id"]}, "")
        if not goal["indicator_unit"] or goal["target"] is None:
            gaps.append(Gap("goal_no_indicator",
                            _("Målet «%(t)s» har ingen indikator med målverdi.", t=goal["title"]),
                            fix, goal_article, goal["id"]))  # fmt: skip
        elif in_period and (goal["latest_on"] or "")[:4] != str(this_year):
            gaps.append(Gap("goal_unmeasured",
                            _("Målet «%(t)s» er ikke målt i år.", t=goal["title"]),
                            (fix[0], fix[1], "measurement"), goal_article, goal["id"]))  # fmt: skip
        if goal["owner"] is None:
            gaps.append(Gap("goal_no_owner",
                            _("Målet «%(t)s» har ingen ansvarlig.", t=goal["title"]),
                            fix, goal_article, goal["id"]))  # fmt: skip
    measure_article = ctx.article("measures", "measures")
    for measure in data.get("measures", []):
        fix = ("workspace.measure", {"workbook_id": wid, "measure_id": measure["id"]}, "")
        if measure["owner"] is None:
            gaps.append(Gap("measure_no_owner",
                            _("Tiltaket «%(t)s» har ingen ansvarlig.", t=measure["title"]),
                            fix, measure_article, measure["id"]))  # fmt: skip
        if not measure["linked"]:
            gaps.append(Gap("measure_no_goal",
                            _("Tiltaket «%(t)s» er ikke knyttet til et mål.", t=measure["title"]),
                            fix, measure_article, measure["id"]))  # fmt: skip
    benefit_article = ctx.article("benefits", "benefits")
    for benefit in data.get("benefits", []):
        if benefit["owner"] is None:
            text = benefit["description"][:60]
            gaps.append(Gap(
                "benefit_no_owner",
                _("Gevinsten «%(t)s» har ingen gevinsteier.", t=text),
                ("workspace.benefit", {"workbook_id": wid, "benefit_id": benefit["id"]}, ""),
                benefit_article, benefit["id"],
            ))  # fmt: skip
    return gaps

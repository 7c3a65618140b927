"""The workspace's plain data (documents.full, and an adopted snapshot's data) as a Document."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask

from portal.exports.builder import document_from_data
from portal.exports.render_md import render_markdown

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def workbook_data() -> dict[str, Any]:
    """The shape of portal.workspace.documents.full (schema 1)."""
    owner = {"id": 7, "name": "Åse Ødegård"}
    return {
        "schema": 1,
        "workbook": {"id": 3, "title": "IKT-strategi for Ærø", "status": "review",
                     "period_from": 2026, "period_to": 2029,
                     "template": {"key": "ikt-strategi", "version": 1,
                                  "name": {"nb": "IKT-strategi", "en": "ICT strategy"}}},
        "sections": [
            {"key": "mandat", "title": {"nb": "Mandat", "en": "Mandate"}, "kind": "prose",
             "id": 1, "prose_md": "Vi skal **støtte** målene.", "prose_html": "<p>Vi skal</p>"},
            {"key": "swot", "title": {"nb": "SWOT", "en": "SWOT"}, "kind": "grid", "id": None,
             "prose_md": "", "prose_html": "",
             "boxes": [{"key": "styrker", "title": {"nb": "Styrker", "en": "Strengths"}},
                       {"key": "trusler", "title": {"nb": "Trusler", "en": "Threats"}}]},
            {"key": "veivalg", "title": {"nb": "Veivalg", "en": "Choices"}, "kind": "items",
             "prose_md": "", "prose_html": ""},
            {"key": "digitale-mal", "title": {"nb": "Digitale mål"}, "kind": "goals"},
            {"key": "tiltak", "title": {"nb": "Tiltak"}, "kind": "measures"},
            {"key": "gevinster", "title": {"nb": "Gevinster"}, "kind": "benefits"},
            {"key": "risiko", "title": {"nb": "Risiko"}, "kind": "risks"},
        ],
        "items": [
            {"id": 1, "section_key": "swot", "box_key": "styrker", "title": "Folk",
             "text": "", "influence": None, "interest": None},
            {"id": 2, "section_key": "veivalg", "box_key": None, "title": "Skyen først",
             "text": "", "influence": None, "interest": None},
        ],
        "goals": [{"id": 11, "title": "Selvbetjening", "description": "", "business_goal": "B",
                   "indicator_unit": "%", "baseline": 10.0, "target": 60.0,
                   "target_date": "2028-12-31", "owner": owner, "latest_value": 35.0,
                   "latest_on": "2026-06-01", "measurement_count": 1, "progress": 0.5,
                   "measurements": [{"date": "2026-06-01", "value": 35.0, "note": "Juni"}]}],
        "measures": [{"id": 21, "title": "Ny portal", "description": "", "owner": None,
                      "priority": 1, "effect": 4, "effort": 2, "investment_nok": 250000.0,
                      "operating_nok": None, "start_date": "2026-01-01",
                      "end_date": "2026-12-31", "status": "in_progress",
                      "milestones": [{"title": "Pilot", "date": "2026-05-01"}],
                      "linked": True, "goal_ids": [11]}],
        "benefits": [{"id": 31, "description": "Spart tid", "kind": "efficiency",
                      "priced": True, "amount_nok": 90000.0, "owner": owner, "goal_id": 11,
                      "measure_ids": [21]}],
        "risks": [{"id": 41, "description": "Forsinkelse", "probability": 3,
                   "consequence": 4, "mitigation": "Følg opp", "owner": None}],
    }  # fmt: skip


def test_the_workspace_data_becomes_a_document(app: Flask) -> None:
    doc = document_from_data(workbook_data(), "Acme AS", "nb", NOW, "Vedtatt i styret",
                             charts={"goal_progress": "<svg/>"})  # fmt: skip
    assert (doc.title, doc.template_name, doc.period, doc.status) == (
        "IKT-strategi for Ærø",
        "IKT-strategi",
        "2026–2029",
        "review",
    )
    assert doc.snapshot_name == "Vedtatt i styret" and doc.charts == {"goal_progress": "<svg/>"}
    assert [s.title for s in doc.sections][:3] == ["Mandat", "SWOT", "Veivalg"]
    swot = doc.sections[1]
    assert [(b.title, b.items) for b in swot.boxes] == [("Styrker", ["Folk"]), ("Trusler", [])]
    assert doc.sections[2].items == ["Skyen først"]
    [goal] = doc.goals
    assert (goal.owner, goal.progress_pct, goal.target, goal.target_date) == (
        "Åse Ødegård",
        50.0,
        Decimal("60.0"),
        date(2028, 12, 31),
    )
    assert goal.measurements[0].value == Decimal("35.0")
    [measure] = doc.measures
    assert measure.investment_nok == Decimal("250000.0") and measure.goal_ids == [11]
    assert measure.milestones[0].title == "Pilot" and measure.start == date(2026, 1, 1)
    assert doc.benefits[0].type == "efficiency" and doc.benefits[0].measure_ids == [21]
    assert doc.risks[0].score == 12
    text = render_markdown(doc).decode()
    assert "## Digitale mål" in text and "| 21 | Ny portal |" in text


def test_english_takes_the_templates_english_titles(app: Flask) -> None:
    doc = document_from_data(workbook_data(), "Acme AS", "en", NOW)
    assert doc.template_name == "ICT strategy"
    assert [s.title for s in doc.sections][:2] == ["Mandate", "SWOT"]
    assert doc.sections[3].title == "Digitale mål"  # no English given: the Norwegian one

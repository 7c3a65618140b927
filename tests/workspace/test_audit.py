"""Every change to a workspace part is audited as one sentence naming the field, before → after
(issue 10): goals, measures, benefits, risks, items, sections and workbooks, each field alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.orgs import audit_text, scoping
from portal.orgs.models import OrgAuditEntry
from portal.workspace import activity, planning, service
from tests.support.tenants import Tenant
from tests.workspace.factories import add_benefit, add_goal, add_measure, add_risk

Make = Callable[[Tenant, Any], Any]
# (part, field, the change (values or links), the words the sentence must hold); the parts
# are made by the factories (tests/workspace/factories.py) with their defaults.
CHANGES: list[tuple[str, str, Callable[[dict[str, Any]], dict[str, Any]], str]] = [
    ("goal", "title", lambda o: {"title": "Nytt mål"}, "tittel: Mål → Nytt mål"),
    ("goal", "description", lambda o: {"description": "Bedre tjenester"},
     "beskrivelse: – → «Bedre tjenester»"),
    ("goal", "business_goal", lambda o: {"business_goal": "Vekst i nord"},
     "virksomhetsmål: – → «Vekst i nord»"),
    ("goal", "indicator_unit", lambda o: {"indicator_unit": "antall"}, "indikator: % → antall"),
    ("goal", "baseline", lambda o: {"baseline": Decimal("1.5")}, "utgangsverdi: 0 → 1,5"),
    ("goal", "target", lambda o: {"target": Decimal(80)}, "målverdi: 100 → 80"),
    ("goal", "target_date", lambda o: {"target_date": date(2027, 1, 31)},
     "måldato: – → 31.01.2027"),
    ("goal", "owner_id", lambda o: {"owner_id": o["editor"]},
     "ansvarlig: Eier Acme AS → Editor Acme AS"),
    ("measure", "title", lambda o: {"title": "Ny nettbutikk"}, "tittel: Tiltak → Ny nettbutikk"),
    ("measure", "description", lambda o: {"description": "Salg på nett"},
     "beskrivelse: – → «Salg på nett»"),
    ("measure", "owner_id", lambda o: {"owner_id": o["editor"]},
     "ansvarlig: Eier Acme AS → Editor Acme AS"),
    ("measure", "priority", lambda o: {"priority": 1}, "prioritet: Middels → Høy"),
    ("measure", "effect", lambda o: {"effect": 5}, "effekt: 3 → 5"),
    ("measure", "effort", lambda o: {"effort": 4}, "innsats: 2 → 4"),
    ("measure", "investment_nok", lambda o: {"investment_nok": Decimal(150000)},
     "investering: – → 150000 kr"),
    ("measure", "operating_nok", lambda o: {"operating_nok": Decimal("2000.50")},
     "årlig drift: – → 2000,5 kr"),
    ("measure", "start_date", lambda o: {"start_date": date(2026, 4, 1)},
     "start: 01.03.2026 → 01.04.2026"),
    ("measure", "end_date", lambda o: {"end_date": date(2026, 10, 1)},
     "slutt: 01.09.2026 → 01.10.2026"),
    ("measure", "status", lambda o: {"status": "done"}, "status: Planlagt → Fullført"),
    ("measure", "milestones", lambda o: {"milestones": [{"date": "2026-05-01", "title": "Pilot"}]},
     "milepæler: – → 01.05.2026 Pilot"),
    ("measure", "goal_ids", lambda o: {"goal_ids": [o["goal"]]}, "mål: – → Mål A"),
    ("benefit", "description", lambda o: {"description": "Raskere svar"},
     "tekst: «Gevinst» → «Raskere svar»"),
    ("benefit", "kind", lambda o: {"kind": "quality"}, "type: Effektivisering → Kvalitet"),
    ("benefit", "priced", lambda o: {"priced": True}, "prissatt: nei → ja"),
    ("benefit", "amount_nok", lambda o: {"amount_nok": Decimal(5000)},
     "beløp per år: – → 5000 kr"),
    ("benefit", "owner_id", lambda o: {"owner_id": o["editor"]},
     "ansvarlig: Eier Acme AS → Editor Acme AS"),
    ("benefit", "goal_id", lambda o: {"goal_id": o["goal"]}, "indikator (mål): – → Mål A"),
    ("benefit", "measure_ids", lambda o: {"measure_ids": [o["measure"]]},
     "tiltak: – → Tiltak A"),
    ("risk", "description", lambda o: {"description": "Leverandør svikter"},
     "tekst: «Risiko» → «Leverandør svikter»"),
    ("risk", "probability", lambda o: {"probability": 5}, "sannsynlighet: 3 → 5"),
    ("risk", "consequence", lambda o: {"consequence": 2}, "konsekvens: 4 → 2"),
    ("risk", "mitigation", lambda o: {"mitigation": "To leverandører"},
     "tiltak mot risikoen: – → «To leverandører»"),
    ("risk", "owner_id", lambda o: {"owner_id": o["editor"]},
     "ansvarlig: Eier Acme AS → Editor Acme AS"),
]  # fmt: skip
MAKERS: dict[str, Make] = {
    "goal": add_goal,
    "measure": add_measure,
    "benefit": add_benefit,
    "risk": add_risk,
}
LINKS = ("goal_ids", "measure_ids")


def _entries(org: Any) -> list[OrgAuditEntry]:
    query = select(OrgAuditEntry).where(OrgAuditEntry.org_id == org.id)
    return list(db.session.scalars(query.order_by(OrgAuditEntry.id)))


def _one_new(org: Any, before: int) -> OrgAuditEntry:
    with scoping.org_scope(org):
        entries = _entries(org)
    assert len(entries) == before + 1, [e.action for e in entries[before:]]
    return entries[-1]


@pytest.mark.parametrize(("part", "field", "change", "words"), CHANGES,
                         ids=[f"{c[0]}-{c[1]}" for c in CHANGES])  # fmt: skip
def test_each_field_alone_is_one_sentence_naming_it(acme, wb, part, field, change, words) -> None:
    others = {"editor": acme.editor.id, "goal": add_goal(acme, wb, "Mål A").id,
              "measure": add_measure(acme, wb, "Tiltak A").id}  # fmt: skip
    row = MAKERS[part](acme, wb)
    with scoping.org_scope(acme.org):
        before = len(_entries(acme.org))
        wanted = change(others)
        values = {k: v for k, v in wanted.items() if k not in LINKS}
        links = {k: v for k, v in wanted.items() if k in LINKS}
        planning.save(acme.org, acme.editor, wb, row, values, **links)
    entry = _one_new(acme.org, before)
    sentence = activity.describe(entry)
    assert sentence.startswith(f"Editor Acme AS endret {activity.THINGS[part]} «"), sentence
    assert f": {words}." in sentence, sentence
    # The organisation's log tells it with the same sentence.
    with scoping.org_scope(acme.org):
        assert audit_text.describe([entry])[0].sentence == sentence


def test_saving_nothing_new_writes_no_line(acme, wb) -> None:
    goal = add_goal(acme, wb, "Mål")
    with scoping.org_scope(acme.org):
        before = len(_entries(acme.org))
        planning.save(acme.org, acme.editor, wb, goal, {"title": "Mål", "description": ""})
        assert len(_entries(acme.org)) == before


def test_a_long_text_is_logged_as_short_excerpts_around_the_change(acme, wb) -> None:
    long = "Innledning. " + "Lang tekst om strategien. " * 40_000  # about 1 MB
    goal = add_goal(acme, wb, "Mål", description=long)
    with scoping.org_scope(acme.org):
        before = len(_entries(acme.org))
        planning.save(acme.org, acme.editor, wb, goal, {"description": long + " Slutt."})
    entry = _one_new(acme.org, before)
    sentence = activity.describe(entry)
    assert len(sentence) < 300, sentence
    assert "beskrivelse: «…" in sentence and "» → «…" in sentence and "Slutt.»" in sentence


def test_workbook_title_period_and_status_are_sentences(acme, wb) -> None:
    org = acme.org
    with scoping.org_scope(org):
        before = len(_entries(org))
        service.update_workbook(org, acme.editor, wb, "Ny strategi", 2026, 2029, None)
        title = activity.describe(_one_new(org, before))
        service.update_workbook(org, acme.editor, wb, "Ny strategi", 2027, 2030, None)
        period = activity.describe(_one_new(org, before + 1))
        service.change_status(org, acme.editor, wb, "review")
        status = activity.describe(_one_new(org, before + 2))
    assert title.endswith("«Ny strategi»: tittel: Strategi → Ny strategi.")
    assert period.endswith("planperiode: 2026–2029 → 2027–2030.")
    assert status.endswith("status: Utkast → Til behandling.")


def test_a_section_save_tells_what_the_text_became(acme, wb) -> None:
    org = acme.org
    with scoping.org_scope(org):
        content = service.section_content_by_key(org, wb, "mandat")
        before = len(_entries(org))
        service.save_section(org, acme.editor, wb, content, "Vi skal digitalisere.",
                             content.version)  # fmt: skip
        first = activity.describe(_one_new(org, before))
        service.save_section(org, acme.editor, wb, content, "Vi skal digitalisere mer.",
                             content.version)  # fmt: skip
        second = activity.describe(_one_new(org, before + 1))
    assert first.startswith("Editor Acme AS skrev i delen «")
    assert first.endswith("tekst: – → «Vi skal digitalisere.».")
    assert second.endswith("tekst: «Vi skal digitalisere.» → «Vi skal digitalisere mer.».")


def test_a_new_item_tells_its_box_and_text_and_a_removed_one_its_title(acme, wb) -> None:
    org = acme.org
    with scoping.org_scope(org):
        before = len(_entries(org))
        item = service.add_item(org, acme.editor, wb, "swot", "styrker", "Sterk merkevare",
                                "Kjent i hele landet")  # fmt: skip
        added = activity.describe(_one_new(org, before))
        service.remove_item(org, acme.editor, wb, item)
        removed = activity.describe(_one_new(org, before + 1))
    assert added == ("Editor Acme AS la til punktet «Sterk merkevare»: felt: Styrker; "
                     "tekst: «Kjent i hele landet».")  # fmt: skip
    assert removed == "Editor Acme AS fjernet punktet «Sterk merkevare»."


def test_the_sentence_reads_in_english(acme, wb) -> None:
    goal = add_goal(acme, wb, "Mål")
    with scoping.org_scope(acme.org):
        before = len(_entries(acme.org))
        planning.save(acme.org, acme.editor, wb, goal, {"business_goal": "Vekst"})
    entry = _one_new(acme.org, before)
    with force_locale("en"):
        sentence = activity.describe(entry)
    assert "business goal: – → «Vekst»" in sentence, sentence

"""Demo workbooks for `flask seed-demo`: acme's half-finished IKT-strategi, fjord's Strategiplan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.content import service as content_service
from portal.extensions import db
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.orgs.models import Organization
from portal.workspace import planning, service, snapshots, templates_loader
from portal.workspace.models import Benefit, Goal, Measure, Risk, Template, Workbook

ACME_TITLE = "IKT-strategi for Acme 2026–2029"
FJORD_TITLE = "Strategiplan for Fjord kommune 2027–2030"


def _template(key: str) -> Template | None:
    return db.session.scalar(
        select(Template).where(Template.key == key).order_by(Template.version.desc()).limit(1)
    )


def _exists(org: Organization, title: str) -> bool:
    return db.session.scalar(Workbook.select_for(org).where(Workbook.title == title)) is not None


def seed(users: dict[str, User]) -> list[str]:
    """Load the templates, then the demo workbooks once; running it again changes nothing."""
    report = templates_loader.load(known_slugs=content_service.article_slugs())
    summary = [f"workspace templates: {len(report.loaded)} new, {len(report.unchanged)} unchanged"]
    summary += [f"template error: {e}" for e in report.errors]
    acme = orgs_service.get_by_slug("acme")
    template = _template("ikt-strategi")
    if acme is not None and template is not None:
        with scoping.org_scope(acme):
            if not _exists(acme, ACME_TITLE):
                _acme(acme, template, users)
                summary.append("demo workbook: acme IKT-strategi")
    fjord = orgs_service.get_by_slug("fjord")
    plan = _template("strategiplan")
    if fjord is not None and plan is None:
        summary.append("demo workbook: fjord skipped (no strategiplan template yet)")
    elif fjord is not None and plan is not None:
        with scoping.org_scope(fjord):
            if not _exists(fjord, FJORD_TITLE):
                _fjord(fjord, plan, users["owner@fjord.example.com"])
                summary.append("demo workbook: fjord Strategiplan")
    return summary


def _section(org: Organization, wb: Workbook, key: str) -> Any:
    return service.section_content_by_key(org, wb, key)


def _write(org: Organization, actor: User, wb: Workbook, key: str, text: str) -> None:
    if wb.template.section(key) is None:
        return
    content = _section(org, wb, key)
    service.save_section(org, actor, wb, content, text, content.version)


def _acme(org: Organization, template: Template, users: dict[str, User]) -> None:
    owner = users["owner@acme.example.com"]
    editor = users["editor@acme.example.com"]
    member = users["member@acme.example.com"]
    today = date.today()
    year = today.year
    wb = service.create_workbook(org, owner, template, ACME_TITLE, year, year + 3)
    _write(org, owner, wb, "mandat", (
        "Ledergruppen ba i januar om en IKT-strategi som støtter virksomhetsstrategiens tre mål: "
        "**flere kunder på nett**, **kortere leveringstid** og **lavere driftskostnader**.\n\n"
        "Strategien eies av daglig leder og revideres hvert år i styremøtet i juni."
    ))  # fmt: skip
    for box, title, text in [
        ("informasjon", "Kundedata ligger i tre systemer", "Ingen felles kunderegister."),
        ("informasjonssystemer", "Eldre ordresystem", "Leverandøren avvikler støtten om to år."),
        ("sikkerhet", "Tofaktor for alle ansatte", "Innført i fjor, fungerer godt."),
    ]:
        service.add_item(org, editor, wb, "dagens-situasjon", box, title, text)
    for box, title in [
        ("styrker", "Kort vei fra idé til beslutning"),
        ("svakheter", "Lite intern IT-kompetanse"),
        ("muligheter", "Kundene vil handle på nett"),
        ("trusler", "Løsepengevirus mot små bedrifter"),
    ]:
        service.add_item(org, editor, wb, "swot", box, title, "")
    service.add_item(org, owner, wb, "veivalg", None, "Skyløsninger før egne servere",
                     "Vi kjøper standard tjenester og drifter ikke maskiner selv.")  # fmt: skip
    goals = [
        planning.save(org, owner, wb, Goal(), {
            "title": "Flere ordre på nett", "description": "",
            "business_goal": "Flere kunder på nett", "indicator_unit": "% av ordre",
            "baseline": Decimal(20), "target": Decimal(60), "target_date": date(year + 3, 12, 31),
            "owner_id": editor.id,
        }),
        planning.save(org, owner, wb, Goal(), {
            "title": "Kortere leveringstid", "description": "",
            "business_goal": "Kortere leveringstid", "indicator_unit": "dager",
            "baseline": Decimal(10), "target": Decimal(4), "target_date": date(year + 2, 12, 31),
            "owner_id": owner.id,
        }),
        planning.save(org, owner, wb, Goal(), {
            "title": "Alle ansatte trygge på digitale verktøy", "description": "",
            "business_goal": "", "indicator_unit": "", "baseline": None, "target": None,
            "target_date": None, "owner_id": None,
        }),
    ]  # fmt: skip
    for months_ago, value in [(9, "24"), (5, "31,5"), (1, "38")]:
        planning.add_measurement(org, editor, wb, goals[0], today - timedelta(days=30 * months_ago),
                                 Decimal(value.replace(",", ".")), "")  # fmt: skip
    planning.add_measurement(org, owner, wb, goals[1], today - timedelta(days=400), Decimal(9), "")
    measures = [
        ("Ny nettbutikk", editor.id, 5, 4, 450_000, 60_000, 0, 300, "in_progress", [goals[0].id]),
        ("Felles kunderegister", owner.id, 4, 3, 200_000, 20_000, 60, 420, "planned",
         [goals[0].id, goals[1].id]),
        ("Bytte ordresystem", editor.id, 4, 5, 900_000, 120_000, 200, 700, "planned",
         [goals[1].id]),
        ("Kurs i sikkerhet for alle", None, 3, 1, 40_000, 0, -120, -20, "in_progress", []),
    ]  # fmt: skip
    saved = []
    for title, owner_id, effect, effort, inv, ops, start, end, status, goal_ids in measures:
        saved.append(planning.save(org, owner, wb, Measure(), {
            "title": title, "description": "", "owner_id": owner_id, "priority": 2,
            "effect": effect, "effort": effort, "investment_nok": Decimal(inv),
            "operating_nok": Decimal(ops), "start_date": today + timedelta(days=start),
            "end_date": today + timedelta(days=end), "status": status, "milestones": [],
        }, goal_ids=goal_ids))  # fmt: skip
    planning.save(org, owner, wb, Benefit(), {
        "description": "Mindre manuell ordreregistrering", "kind": "efficiency", "priced": True,
        "amount_nok": Decimal(300_000), "owner_id": owner.id, "goal_id": goals[0].id,
    }, measure_ids=[saved[0].id])  # fmt: skip
    planning.save(org, owner, wb, Benefit(), {
        "description": "Kundene får svar raskere", "kind": "quality", "priced": False,
        "amount_nok": None, "owner_id": None, "goal_id": goals[1].id,
    }, measure_ids=[saved[1].id])  # fmt: skip
    for text, p, c in [("Leverandøren av nettbutikken leverer for sent", 3, 4),
                       ("Nøkkelperson slutter", 2, 5), ("Løsepengevirus", 2, 4)]:  # fmt: skip
        values = {"description": text, "probability": p, "consequence": c, "mitigation": "",
                  "owner_id": owner.id}  # fmt: skip
        planning.save(org, owner, wb, Risk(), values)
    swot = _section(org, wb, "swot")
    service.add_comment(org, member, wb, swot.section_key,
                        "Bør vi ta med at konkurrentene allerede selger på nett?")  # fmt: skip
    service.add_comment(
        org, editor, wb, "tiltak", "Ordresystemet må vente til nettbutikken er i drift."
    )
    snapshots.adopt(org, owner, wb, "Første utkast, behandlet i ledergruppen")
    service.change_status(org, owner, wb, "revised")
    planning.save(org, owner, wb, Measure(), {
        "title": "Digital signering av kontrakter", "description": "", "owner_id": None,
        "priority": 3, "effect": 2, "effort": 2, "investment_nok": Decimal(15_000),
        "operating_nok": Decimal(6_000), "start_date": today + timedelta(days=90),
        "end_date": today + timedelta(days=150), "status": "planned", "milestones": [],
    }, goal_ids=[])  # fmt: skip


def _fjord(org: Organization, template: Template, owner: User) -> None:
    year = date.today().year + 1
    wb = service.create_workbook(org, owner, template, FJORD_TITLE, year, year + 3)
    prose = [s for s in template.sections if s["kind"] == "prose"]
    if prose:
        _write(org, owner, wb, prose[0]["key"], (
            "Kommuneplanens samfunnsdel peker ut retningen: en kommune der folk vil bo, "
            "og der tjenestene er gode og lette å bruke."
        ))  # fmt: skip
    if template.sections_of_kind("goals"):
        planning.save(org, owner, wb, Goal(), {
            "title": "Flere innbyggere bruker digitale tjenester", "description": "",
            "business_goal": "Gode og tilgjengelige tjenester",
            "indicator_unit": "% digitale søknader",
            "baseline": Decimal(35), "target": Decimal(70), "target_date": date(year + 3, 12, 31),
            "owner_id": owner.id,
        })  # fmt: skip

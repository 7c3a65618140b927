"""Workspace test factories: the test template, workbooks with rows, the sweep's populate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.orgs import scoping
from portal.workspace import planning, service, snapshots, templates_loader
from portal.workspace.models import Benefit, Goal, Measure, Risk, Template, Workbook

TEMPLATE_DIR = Path(__file__).resolve().parent / "template_data"


def load_test_template() -> Template:
    """The test template (every section kind), loaded once per test transaction."""
    templates_loader.load(TEMPLATE_DIR)
    return db.session.scalar(select(Template).where(Template.key == "test-mal"))


def make_workbook(tenant: Any, title: str = "Strategi", **kw: Any) -> Workbook:
    with scoping.org_scope(tenant.org):
        return service.create_workbook(
            tenant.org, tenant.owner, load_test_template(), title,
            kw.get("period_from", 2026), kw.get("period_to", 2029),
        )  # fmt: skip


def add_goal(tenant: Any, wb: Workbook, title: str = "Mål", **values: Any) -> Goal:
    defaults = {"title": title, "description": "", "business_goal": "", "indicator_unit": "%",
                "baseline": Decimal(0), "target": Decimal(100), "target_date": None,
                "owner_id": tenant.owner.id}  # fmt: skip
    with scoping.org_scope(tenant.org):
        return planning.save(tenant.org, tenant.owner, wb, Goal(), defaults | values)


def add_measure(tenant: Any, wb: Workbook, title: str = "Tiltak", goal_ids: list[int] | None = None,
                **values: Any) -> Measure:  # fmt: skip
    defaults = {"title": title, "description": "", "owner_id": tenant.owner.id, "priority": 2,
                "effect": 3, "effort": 2, "investment_nok": None, "operating_nok": None,
                "start_date": date(2026, 3, 1), "end_date": date(2026, 9, 1),
                "status": "planned", "milestones": []}  # fmt: skip
    with scoping.org_scope(tenant.org):
        return planning.save(tenant.org, tenant.owner, wb, Measure(), defaults | values,
                             goal_ids=goal_ids or [])  # fmt: skip


def add_benefit(tenant: Any, wb: Workbook, text: str = "Gevinst", **values: Any) -> Benefit:
    defaults = {"description": text, "kind": "efficiency", "priced": False, "amount_nok": None,
                "owner_id": tenant.owner.id, "goal_id": None}  # fmt: skip
    with scoping.org_scope(tenant.org):
        return planning.save(tenant.org, tenant.owner, wb, Benefit(), defaults | values,
                             measure_ids=[])  # fmt: skip


def add_risk(tenant: Any, wb: Workbook, text: str = "Risiko", **values: Any) -> Risk:
    defaults = {"description": text, "probability": 3, "consequence": 4, "mitigation": "",
                "owner_id": tenant.owner.id}  # fmt: skip
    with scoping.org_scope(tenant.org):
        return planning.save(tenant.org, tenant.owner, wb, Risk(), defaults | values)


def populate_workspace(tenant: Any) -> list[str]:
    """The tenancy sweep's rows: one workbook with a row of every workspace id kind (made once
    per tenant; each registered kind calls this)."""
    if getattr(tenant, "_workspace_markers", None):
        return []
    slug = tenant.org.slug
    markers = [f"Arbeidsbok-{slug}-hemmelig", f"Mål-{slug}-hemmelig", f"Tiltak-{slug}-hemmelig",
               f"Gevinst-{slug}-hemmelig", f"Risiko-{slug}-hemmelig", f"Punkt-{slug}-hemmelig",
               f"Versjon-{slug}-hemmelig"]  # fmt: skip
    wb = make_workbook(tenant, markers[0])
    goal = add_goal(tenant, wb, markers[1])
    add_measure(tenant, wb, markers[2], goal_ids=[goal.id])
    add_benefit(tenant, wb, markers[3])
    add_risk(tenant, wb, markers[4])
    with scoping.org_scope(tenant.org):
        service.add_item(tenant.org, tenant.owner, wb, "veivalg", None, markers[5], "")
        snapshots.adopt(tenant.org, tenant.owner, wb, markers[6])
    tenant._workspace_markers = markers
    return markers

"""The workbook overview and the dashboard run a fixed number of statements, however big."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.orgs import scoping
from portal.workspace import cache, planning
from tests.support.statements import counting
from tests.workspace.factories import add_benefit, add_goal, add_measure, add_risk, make_workbook

# Including the tenant guard's two (the user with access; the organisation door: organisation,
# membership, access, tenancy settings and the page's head in one, migration 0013); every
# workspace cache emptied first (cache.clear).
LIMITS = {"{id}/": 8, "{id}/dashboard": 6, "": 10}
# Unchanged workbooks reuse their kept blocks (kept.py, cache.py): the guard's two, the door's
# with the head (was a third statement for the head, in a transaction of its own).
CACHED = {"{id}/": 2, "{id}/dashboard": 2, "": 2}


def fill(acme, wb, goals: int, measures: int) -> None:
    made = [add_goal(acme, wb, f"Mål {n}") for n in range(goals)]
    with scoping.org_scope(acme.org):
        for goal in made:
            for month in range(1, 4):
                planning.add_measurement(acme.org, acme.owner, wb, goal, date(2026, month, 1),
                                         Decimal(month), "")  # fmt: skip
    for n in range(measures):
        add_measure(acme, wb, f"Tiltak {n}", goal_ids=[made[n % len(made)].id] if made else [])
    for n in range(max(goals // 2, 1)):
        add_benefit(acme, wb, f"Gevinst {n}")
        add_risk(acme, wb, f"Risiko {n}")


def count(client, url: str, cached: bool = False) -> int:
    client.get(url)  # warm-up: templates compiled
    if not cached:
        cache.clear()
    with counting() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("page", list(LIMITS))
def test_pages_cost_the_same_for_a_small_and_a_big_workbook(client, login, acme, page) -> None:
    small, big = make_workbook(acme, "Liten"), make_workbook(acme, "Stor")
    fill(acme, small, 1, 1)
    fill(acme, big, 12, 30)
    login(client, acme.owner)
    counts = [count(client, "/orgs/acme/workspace/" + page.format(id=wb.id)) for wb in (small, big)]
    assert counts[0] == counts[1], counts
    assert counts[1] <= LIMITS[page], counts
    url = "/orgs/acme/workspace/" + page.format(id=big.id)
    assert count(client, url, cached=True) == CACHED[page]

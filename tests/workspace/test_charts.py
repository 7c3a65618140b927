"""Charts: well-formed SVG with a title and description, for an empty and a full workbook."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from portal.workspace import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.find(f"{NS}title").text and root.find(f"{NS}desc").text
    return root


def full_data() -> dict:
    goals = [{"title": f"Mål {n} <b>", "progress": n / 10 if n % 3 else None} for n in range(10)]
    measures = [
        {"title": f"Tiltak {n} & co", "effect": n % 5 + 1, "effort": (n * 2) % 5 + 1,
         "status": "planned", "start_date": f"202{6 + n % 3}-0{n % 9 + 1}-01",
         "end_date": f"202{7 + n % 3}-12-31",
         "milestones": [{"date": "2027-06-01", "title": "Pilot"}]}
        for n in range(25)
    ]  # fmt: skip
    risks = [{"probability": n % 5 + 1, "consequence": (n * 3) % 5 + 1} for n in range(12)]
    return {"goals": goals, "measures": measures, "risks": risks}


def test_charts_of_an_empty_workbook_say_so(app) -> None:
    with app.test_request_context():
        for svg in (charts.goal_progress([]), charts.effect_effort([]),
                    charts.roadmap([], None, None), charts.risk_matrix([])):  # fmt: skip
            root = parse(svg)
            assert "ennå" in root.find(f"{NS}desc").text


def test_charts_of_a_full_workbook_draw_every_row_with_escaped_text(app) -> None:
    data = full_data()
    with app.test_request_context():
        progress = charts.goal_progress(data["goals"])
        matrix = charts.effect_effort(data["measures"])
        roadmap = charts.roadmap(data["measures"], 2026, 2029)
        risks = charts.risk_matrix(data["risks"])
    assert len(parse(progress).findall(f".//{NS}text")) >= 10
    assert "Mål 1 &lt;b&gt;" in progress and "<b>" not in progress
    assert len(parse(matrix).findall(f".//{NS}circle")) == 25
    root = parse(roadmap)
    assert len(root.findall(f".//{NS}path")) == 25  # a milestone per measure
    assert "2029" in roadmap
    assert sum(int(t.text) for t in parse(risks).findall(f".//{NS}text")
               if t.get("font-weight") == "bold") == 12  # fmt: skip


def test_the_dashboard_has_charts_and_text_tables_without_scripts(client, login, acme, wb) -> None:
    login(client, acme.member)
    page = client.get(f"/orgs/acme/workspace/{wb.id}/dashboard").get_data(as_text=True)
    assert page.count("<svg") == 4 and "<script" not in page.split("<main")[-1]

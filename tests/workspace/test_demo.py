"""seed-demo: acme's half-finished IKT-strategi (and fjord's Strategiplan when its template is
there), made once; the templates' article slugs all exist in the demo content."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts import demo as accounts_demo
from portal.content import demo as content_demo
from portal.content import service as content_service
from portal.extensions import db
from portal.orgs import demo as orgs_demo
from portal.orgs import scoping
from portal.orgs import service as orgs_service
from portal.workspace import demo, documents, method, snapshots, templates_loader
from portal.workspace.models import Comment, Measurement, Template, Workbook


def test_seed_demo_gives_acme_a_half_finished_ikt_strategi(app) -> None:
    users = accounts_demo.seed()
    orgs_demo.seed(users)
    content_demo.seed()
    summary = demo.seed(users)
    assert "demo workbook: acme IKT-strategi" in summary
    report = templates_loader.load(known_slugs=content_service.article_slugs())
    assert report.unknown_slugs == {} and report.loaded == []
    acme = orgs_service.get_by_slug("acme")
    with scoping.org_scope(acme):
        wb = db.session.scalar(Workbook.select_for(acme))
        data = documents.full(acme, wb)
        assert wb.template.key == "ikt-strategi" and wb.status == "revised"
        assert len(data["goals"]) >= 3 and len(data["measures"]) >= 4
        assert data["benefits"] and data["risks"]
        assert db.session.scalar(select(func.count()).select_from(Measurement)) >= 4
        assert db.session.scalar(select(func.count()).select_from(Comment)) >= 2
        assert [s.name for s in snapshots.snapshots(acme, wb)] == [
            "Første utkast, behandlet i ledergruppen"
        ]
        assert method.check(data)  # something to do
        assert 0 < sum(1 for s in data["sections"] if s["prose_md"]) < len(data["sections"])
    fjord = orgs_service.get_by_slug("fjord")
    has_plan = db.session.scalar(select(Template).where(Template.key == "strategiplan"))
    with scoping.org_scope(fjord):
        assert (db.session.scalar(Workbook.select_for(fjord)) is not None) == bool(has_plan)
    # Running it again changes nothing.
    assert not any(line.startswith("demo workbook: acme") for line in demo.seed(users))
    with scoping.system_scope():
        assert db.session.scalar(select(func.count()).select_from(Workbook)) == 1 + bool(has_plan)

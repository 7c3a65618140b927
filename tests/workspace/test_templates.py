"""Templates: every bundled file loads, its articles exist, loading is idempotent and versioned."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from portal.content.demo import DEMO_DIR
from portal.extensions import db
from portal.workspace import templates_loader
from portal.workspace.models import Template
from tests.workspace.factories import TEMPLATE_DIR, make_workbook

BUNDLED = sorted(templates_loader.TEMPLATE_DIR.glob("*.yaml"))
DEMO_SLUGS = {p.stem for p in DEMO_DIR.glob("*.md")}
IKT_KEYS = ["mandat", "dagens-situasjon", "swot", "malbilde", "veivalg", "digitale-mal", "tiltak",
            "gevinster", "risiko", "styring"]  # fmt: skip


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_template_is_valid_and_links_demo_articles(path: Path) -> None:
    data = templates_loader.validate(yaml.safe_load(path.read_text("utf-8")), path.name)
    assert data["key"] == path.stem
    kinds = {s["kind"] for s in data["sections"]}
    assert "prose" in kinds and kinds & templates_loader.STRUCTURED
    for section in data["sections"]:
        assert set(section["articles"]) <= DEMO_SLUGS, (section["key"], section["articles"])


def test_the_ikt_strategi_template_has_the_agreed_sections() -> None:
    data = yaml.safe_load((templates_loader.TEMPLATE_DIR / "ikt-strategi.yaml").read_text("utf-8"))
    assert [s["key"] for s in data["sections"]] == IKT_KEYS


def test_loading_is_idempotent(app) -> None:
    first = templates_loader.load(known_slugs=DEMO_SLUGS)
    assert first.loaded and not first.errors and not first.unknown_slugs
    again = templates_loader.load(known_slugs=DEMO_SLUGS)
    assert again.loaded == [] and sorted(again.unchanged) == sorted(first.loaded)
    assert db.session.scalar(select(func.count()).select_from(Template)) == len(BUNDLED)


def write(folder: Path, version: int, title: str, articles: list[str] | None = None) -> None:
    data = yaml.safe_load((TEMPLATE_DIR / "test-mal.yaml").read_text("utf-8"))
    data["version"] = version
    data["sections"][0]["title"]["nb"] = title
    data["sections"][0]["articles"] = articles or []
    (folder / "test-mal.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_a_new_version_never_changes_workbooks_of_the_old_one(app, acme, tmp_path) -> None:
    write(tmp_path, 1, "Mandat")
    templates_loader.load(tmp_path)
    wb = make_workbook(acme)  # made from version 1 (the test factory loads the test folder too)
    write(tmp_path, 2, "Oppdrag")
    report = templates_loader.load(tmp_path)
    assert report.loaded == ["test-mal v2"]
    db.session.expire_all()
    assert wb.template.version == 1
    assert wb.template.section("mandat")["title"]["nb"] == "Mandat"
    newest = db.session.scalar(select(Template).where(Template.version == 2))
    assert newest.section("mandat")["title"]["nb"] == "Oppdrag"


def test_changed_content_without_a_new_version_is_an_error(app, tmp_path) -> None:
    write(tmp_path, 1, "Mandat")
    templates_loader.load(tmp_path)
    write(tmp_path, 1, "Noe annet")
    report = templates_loader.load(tmp_path)
    assert report.errors and "without a new version number" in report.errors[0]


def test_an_unknown_article_slug_is_reported_at_load_time(app, tmp_path) -> None:
    write(tmp_path, 1, "Mandat", ["finnes-ikke"])
    report = templates_loader.load(tmp_path, known_slugs=DEMO_SLUGS)
    assert report.unknown_slugs == {"test-mal v1": ["finnes-ikke"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(key="Ugyldig nøkkel"), "key must be"),
        (lambda d: d.update(version=0), "version must be"),
        (lambda d: d["sections"][0].update(kind="tabell"), "unknown kind"),
        (lambda d: d["sections"][1].pop("boxes"), "a grid needs boxes"),
        (lambda d: d["sections"].append(dict(d["sections"][0])), "section keys repeat"),
    ],
)
def test_a_malformed_template_is_refused_with_its_reason(change, message) -> None:
    data = yaml.safe_load((TEMPLATE_DIR / "test-mal.yaml").read_text("utf-8"))
    change(data)
    with pytest.raises(templates_loader.TemplateError, match=message):
        templates_loader.validate(data)


def test_the_cli_loads_templates(app) -> None:
    result = app.test_cli_runner().invoke(args=["load-templates"])
    assert result.exit_code == 0, result.output
    assert "ikt-strategi v1" in result.output
    again = app.test_cli_runner().invoke(args=["load-templates"])
    assert "templates loaded: none" in again.output


def test_staff_see_templates_versions_and_use(client, login, create_user, acme) -> None:
    make_workbook(acme)
    make_workbook(acme, "Nummer to")
    login(client, create_user(staff_role="editor"))
    page = client.get("/staff/templates").get_data(as_text=True)
    assert "test-mal" in page and "<td>2</td>" in page
    assert "/staff/templates" in client.get("/staff/").get_data(as_text=True)
    login(client, acme.owner)
    assert client.get("/staff/templates").status_code == 404

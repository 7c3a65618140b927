"""The bundled workbook templates follow the agreed format and link real demo articles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.content import importer
from portal.content.demo import DEMO_DIR

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "portal" / "workspace" / "template_data"
BUNDLED = {
    "ikt-strategi",
    "strategiplan",
    "situasjonsanalyse",
    "balansert-malstyring",
    "gevinstrealiseringsplan",
    "handlingsplan",
    "okr",
}
KINDS = {"prose", "items", "goals", "measures", "benefits", "risks", "grid", "stakeholders"}
STRUCTURED = {"goals", "measures", "benefits", "risks", "grid", "stakeholders"}
KEY_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TEMPLATE_FIELDS = {"key", "version", "name", "summary", "sections"}
SECTION_FIELDS = {"key", "title", "kind", "guidance", "prompts", "articles"}
IKT_STRATEGI = [
    ("mandat", "prose"),
    ("dagens-situasjon", "grid"),
    ("swot", "grid"),
    ("malbilde", "prose"),
    ("veivalg", "items"),
    ("digitale-mal", "goals"),
    ("tiltak", "measures"),
    ("gevinster", "benefits"),
    ("risiko", "risks"),
    ("styring", "prose"),
]
TODAY = ["informasjon", "informasjonssystemer", "infrastruktur", "sikkerhet"]
TODAY += ["organisasjon-og-kompetanse"]
SWOT = ["styrker", "svakheter", "muligheter", "trusler"]

PATHS = sorted(TEMPLATE_DIR.glob("*.yaml"))


def load(key: str) -> dict[str, Any]:
    data = yaml.safe_load((TEMPLATE_DIR / f"{key}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def demo_slugs() -> set[str]:
    """The slugs the demo import creates: each file's front matter `slug`."""
    return {str(importer.parse_file(path)[0]["slug"]) for path in DEMO_DIR.glob("*.md")}


def text_problems(value: Any, where: str) -> list[str]:
    """A translated text is {nb, en}, both non-empty strings and nothing else."""
    if not isinstance(value, dict) or set(value) != {"nb", "en"}:
        return [f"{where}: needs exactly nb and en, got {value!r}"]
    return [
        f"{where}.{lang}: empty or not text"
        for lang in ("nb", "en")
        if not isinstance(value[lang], str) or not value[lang].strip()
    ]


def box_problems(boxes: Any, where: str) -> list[str]:
    if not isinstance(boxes, list) or not boxes:
        return [f"{where}.boxes: a grid needs a non-empty list of boxes"]
    problems: list[str] = []
    keys = [box.get("key") if isinstance(box, dict) else None for box in boxes]
    if len(set(keys)) != len(keys):
        problems.append(f"{where}.boxes: box keys repeat: {keys}")
    for box in boxes:
        if not isinstance(box, dict) or not set(box) <= {"key", "title", "hint"}:
            problems.append(f"{where}.boxes: unexpected box {box!r}")
            continue
        here = f"{where}.{box.get('key')}"
        if not KEY_RE.match(str(box.get("key", ""))):
            problems.append(f"{here}: bad box key")
        problems += text_problems(box.get("title"), f"{here}.title")
        if "hint" in box:
            problems += text_problems(box["hint"], f"{here}.hint")
    return problems


def section_problems(section: Any, slugs: set[str]) -> list[str]:
    if not isinstance(section, dict):
        return [f"section is not a mapping: {section!r}"]
    where = str(section.get("key"))
    kind = section.get("kind")
    allowed = SECTION_FIELDS | ({"boxes"} if kind == "grid" else set())
    problems = [f"{where}: missing {name}" for name in sorted(SECTION_FIELDS - set(section))]
    problems += [f"{where}: unknown field {name}" for name in sorted(set(section) - allowed)]
    if not KEY_RE.match(where):
        problems.append(f"{where}: bad section key")
    if kind not in KINDS:
        problems.append(f"{where}: unknown kind {kind!r}")
    problems += text_problems(section.get("title"), f"{where}.title")
    guidance = section.get("guidance")
    problems += text_problems(guidance, f"{where}.guidance")
    if isinstance(guidance, dict):
        for lang, text in guidance.items():
            words = len(str(text).split())
            if not 40 <= words <= 150:
                problems.append(f"{where}.guidance.{lang}: {words} words, not 40-150")
    prompts = section.get("prompts")
    if not isinstance(prompts, list) or not 2 <= len(prompts) <= 5:
        problems.append(f"{where}.prompts: needs 2-5 prompts")
    else:
        for number, prompt in enumerate(prompts, 1):
            problems += text_problems(prompt, f"{where}.prompts[{number}]")
    articles = section.get("articles")
    if not isinstance(articles, list) or not articles:
        problems.append(f"{where}.articles: needs at least one article slug")
    else:
        problems += [f"{where}.articles: no demo article {s!r}" for s in articles if s not in slugs]
    if kind == "grid":
        problems += box_problems(section.get("boxes"), where)
    return problems


def test_the_seven_bundled_templates_are_there() -> None:
    assert {path.stem for path in PATHS} == BUNDLED


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_template_follows_the_agreed_format(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert set(data) == TEMPLATE_FIELDS
    assert data["key"] == path.stem and KEY_RE.match(data["key"])
    assert type(data["version"]) is int and data["version"] >= 1
    problems = text_problems(data["name"], "name") + text_problems(data["summary"], "summary")
    sections = data["sections"]
    assert isinstance(sections, list) and sections
    slugs = demo_slugs()
    for section in sections:
        problems += section_problems(section, slugs)
    assert problems == []
    keys = [section["key"] for section in sections]
    assert len(set(keys)) == len(keys), keys
    kinds = {section["kind"] for section in sections}
    assert kinds & STRUCTURED, "at least one structured section"
    assert "prose" in kinds, "at least one prose section"


def test_ikt_strategi_follows_the_method_in_order() -> None:
    sections = load("ikt-strategi")["sections"]
    assert [(s["key"], s["kind"]) for s in sections] == IKT_STRATEGI
    boxes = {s["key"]: [b["key"] for b in s.get("boxes", [])] for s in sections}
    assert boxes["dagens-situasjon"] == TODAY
    assert boxes["swot"] == SWOT


def test_a_broken_template_is_caught() -> None:
    """The checks above are not vacuous: typical mistakes each give a problem."""
    section = load("ikt-strategi")["sections"][1]
    slugs = demo_slugs()
    assert section_problems(section, slugs) == []
    broken = [
        {**section, "kind": "table"},
        {**section, "title": {"nb": "Bare norsk"}},
        {**section, "guidance": {"nb": "For kort.", "en": "Too short."}},
        {**section, "prompts": [section["prompts"][0]]},
        {**section, "articles": ["finnes-ikke"]},
        {**section, "boxes": []},
        {**section, "guidence": section["guidance"]},
        {key: value for key, value in section.items() if key != "articles"},
    ]
    for wrong in broken:
        assert section_problems(wrong, slugs), wrong


def test_situasjonsanalyse_has_a_pestel_and_a_swot_grid() -> None:
    sections = {s["key"]: s for s in load("situasjonsanalyse")["sections"]}
    pestel = [box["key"] for box in sections["pestel"]["boxes"]]
    assert pestel == ["politiske", "okonomiske", "sosiale", "teknologiske", "miljomessige"] + [
        "juridiske"
    ]
    assert [box["key"] for box in sections["swot"]["boxes"]] == SWOT


def test_balansert_malstyring_has_the_four_perspectives_as_goals() -> None:
    kinds = {s["key"]: s["kind"] for s in load("balansert-malstyring")["sections"]}
    for perspective in ("okonomi", "kunder-og-brukere", "interne-prosesser", "laering-og-vekst"):
        assert kinds[perspective] == "goals"

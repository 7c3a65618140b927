"""Loading the bundled template files (YAML) into versioned Template rows, with validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from portal.extensions import db
from portal.workspace.models import Template

TEMPLATE_DIR = Path(__file__).resolve().parent / "template_data"
KINDS = ("prose", "items", "goals", "measures", "benefits", "risks", "grid", "stakeholders")
STRUCTURED = frozenset(KINDS) - {"prose", "items"}
_KEY = re.compile(r"^[a-z0-9-]{1,60}$")


class TemplateError(ValueError):
    """A template file that cannot be loaded; the message names the file and the problem."""


@dataclass
class LoadReport:
    loaded: list[str] = field(default_factory=list)  # "key v2"
    unchanged: list[str] = field(default_factory=list)
    unknown_slugs: dict[str, list[str]] = field(default_factory=dict)  # "key v2" → slugs
    errors: list[str] = field(default_factory=list)


def _text(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not isinstance(value.get("nb"), str) or not value["nb"]:
        raise TemplateError(f"{where}: needs a Norwegian text (nb)")
    return {"nb": value["nb"], "en": str(value.get("en") or value["nb"])}


def validate(data: Any, source: str = "template") -> dict[str, Any]:
    """The template's data in canonical form; raises TemplateError on any shape problem."""
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: not a mapping")
    key = data.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise TemplateError(f"{source}: key must be lower-case letters, digits and dashes")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TemplateError(f"{source}: version must be a positive integer")
    sections_in = data.get("sections")
    if not isinstance(sections_in, list) or not sections_in:
        raise TemplateError(f"{source}: has no sections")
    sections: list[dict[str, Any]] = []
    for n, raw in enumerate(sections_in, 1):
        sections.append(_section(raw, f"{source} section {n}"))
    keys = [s["key"] for s in sections]
    if len(set(keys)) != len(keys):
        raise TemplateError(f"{source}: section keys repeat")
    return {
        "key": key,
        "version": version,
        "name": _text(data.get("name"), f"{source} name"),
        "summary": _text(data.get("summary") or data.get("name"), f"{source} summary"),
        "sections": sections,
    }


def _section(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TemplateError(f"{where}: not a mapping")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise TemplateError(f"{where}: bad key")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise TemplateError(f"{where} ({key}): unknown kind {kind!r}")
    articles = raw.get("articles") or []
    if not isinstance(articles, list) or not all(isinstance(a, str) for a in articles):
        raise TemplateError(f"{where} ({key}): articles must be a list of slugs")
    section: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "title": _text(raw.get("title"), f"{where} ({key}) title"),
        "guidance": _text(raw.get("guidance"), f"{where} ({key}) guidance"),
        "prompts": [_text(p, f"{where} ({key}) prompt") for p in raw.get("prompts") or []],
        "articles": articles,
    }
    if kind == "grid":
        boxes = raw.get("boxes")
        if not isinstance(boxes, list) or not boxes:
            raise TemplateError(f"{where} ({key}): a grid needs boxes")
        section["boxes"] = []
        for box in boxes:
            if not isinstance(box, dict) or not _KEY.match(str(box.get("key", ""))):
                raise TemplateError(f"{where} ({key}): a box needs a key")
            entry = {"key": box["key"], "title": _text(box.get("title"), f"{where} box")}
            if box.get("hint"):
                entry["hint"] = _text(box["hint"], f"{where} box hint")
            section["boxes"].append(entry)
    return section


def read_files(directory: Path = TEMPLATE_DIR) -> list[tuple[Path, Any]]:
    return [
        (path, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.yaml"))
    ]


def load(directory: Path = TEMPLATE_DIR, known_slugs: set[str] | None = None) -> LoadReport:
    """Store every template file's (key, version) once; running it again changes nothing.

    A stored version is never rewritten, so workbooks made from it keep their structure: a
    file whose content changed without a new version number is an error, not an update.
    Article slugs not in `known_slugs` (when given) are reported, and the template loads.
    """
    report = LoadReport()
    stored = {(t.key, t.version): t for t in db.session.scalars(select(Template))}
    for path, raw in read_files(directory):
        try:
            data = validate(raw, path.name)
        except (TemplateError, yaml.YAMLError) as exc:
            report.errors.append(str(exc))
            continue
        label = f"{data['key']} v{data['version']}"
        if known_slugs is not None:
            missing = sorted({s for sec in data["sections"] for s in sec["articles"]} - known_slugs)
            if missing:
                report.unknown_slugs[label] = missing
        existing = stored.get((data["key"], data["version"]))
        if existing is None:
            db.session.add(Template(key=data["key"], version=data["version"], data=data))
            report.loaded.append(label)
        elif existing.data == data:
            report.unchanged.append(label)
        else:
            report.errors.append(f"{path.name}: {label} changed without a new version number")
    db.session.flush()
    return report

"""Import Markdown files with YAML front matter (`flask import-articles DIR`, demo content)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import User
from portal.content import editorial
from portal.content.models import Article
from portal.extensions import db
from portal.timeutil import utcnow

REQUIRED = ("title", "slug", "category", "access", "author")


class ImportProblems(ValueError):
    """Every problem found, each naming the file and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Parsed:
    path: Path
    data: editorial.ArticleInput
    published_at: datetime | None


def parse_file(path: Path) -> tuple[dict[str, Any], str]:
    """Split a file into its front matter (a mapping) and its Markdown body."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ValueError(_("mangler front matter (første linje må være ---)"))
    try:
        head, body = text[4:].split("\n---", 1)
    except ValueError:
        raise ValueError(_("front matter er ikke avsluttet med ---")) from None
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        raise ValueError(_("ugyldig YAML i front matter: %(error)s", error=exc)) from None
    if not isinstance(meta, dict):
        raise ValueError(_("front matter må være nøkkel: verdi-par"))
    return meta, body.lstrip("\n").removeprefix("-").lstrip("\n")


def _published_at(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(9))
    else:
        parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(_("tidspunktet må ha tidssone, f.eks. 2026-01-12T09:00:00+01:00"))
    return parsed


def _parse(path: Path) -> Parsed:
    meta, body = parse_file(path)
    missing = [name for name in REQUIRED if not meta.get(name)]
    if missing:
        raise ValueError(_("mangler feltet «%(field)s»", field=missing[0]))
    tags = meta.get("tags") or []
    if not isinstance(tags, list):
        raise ValueError(_("feltet «tags» må være en liste"))
    try:
        published_at = _published_at(meta.get("published_at"))
    except ValueError as exc:
        raise ValueError(f"published_at: {exc}") from None
    data = editorial.ArticleInput(
        title=str(meta["title"]),
        slug=str(meta["slug"]),
        category=str(meta["category"]),
        access=str(meta["access"]),
        author=str(meta["author"]),
        body_md=body,
        lede=str(meta.get("lede") or ""),
        tags=[str(t) for t in tags],
        featured=bool(meta.get("featured", False)),
        related=[str(s) for s in meta.get("related") or []],
    )
    return Parsed(path, data, published_at)


def import_authors(path: Path, actor: User | None = None) -> int:
    """authors.yml: a list of {slug, name, bio, photo}; changes are audited as `actor`'s."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        editorial.upsert_author(
            entry["slug"], entry["name"], entry.get("bio", ""), entry.get("photo"), actor=actor
        )
    return len(entries)


def _authors_problems(path: Path, actor: User | None) -> list[str]:
    """Load authors.yml; what is wrong with it, naming the file and the field (else [])."""
    try:
        import_authors(path, actor)
    except editorial.ContentError as exc:
        return [f"{path.name}: {field}: {message}" for field, message in exc.errors.items()]
    except KeyError as exc:
        return [f"{path.name}: " + _("mangler feltet «%(field)s»", field=exc.args[0])]
    except (TypeError, AttributeError, ValueError, OSError, yaml.YAMLError) as exc:
        return [f"{path.name}: {exc}"]
    return []


def import_directory(directory: Path, actor: User | None = None) -> dict[str, int]:
    """Load authors.yml (if any) and every *.md file; idempotent by slug.

    Every file is checked before anything is written; on any problem nothing is saved and
    ImportProblems lists each one with its file and field.
    """
    editorial.ensure_categories(actor)
    problems: list[str] = []
    if (directory / "authors.yml").exists():
        problems += _authors_problems(directory / "authors.yml", actor)
    parsed: list[Parsed] = []
    for path in sorted(directory.glob("*.md")):
        try:
            item = _parse(path)
            existing = db.session.scalar(select(Article).where(Article.slug == item.data.slug))
            check = editorial.ArticleInput(**{**item.data.__dict__, "related": []})
            editorial.validate(check, existing)
            parsed.append(item)
        except editorial.ContentError as exc:
            problems += [f"{path.name}: {field}: {msg}" for field, msg in exc.errors.items()]
        except (ValueError, OSError) as exc:
            problems.append(f"{path.name}: {exc}")
    slugs = [p.data.slug for p in parsed]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        problems.append(f"slug: {slug}: " + _("samme adresse i flere filer"))
    if problems:
        raise ImportProblems(problems)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    saved: list[tuple[Parsed, Article]] = []
    for item in parsed:
        saved.append((item, _save(item, actor, counts)))
    for item, article in saved:  # related links may point at files later in the directory
        if item.data.related:
            editorial.save_article(item.data, actor, article)
    return counts


def _save(item: Parsed, actor: User | None, counts: dict[str, int]) -> Article:
    existing = db.session.scalar(select(Article).where(Article.slug == item.data.slug))
    data = editorial.ArticleInput(**{**item.data.__dict__, "related": []})
    if existing is not None:
        current = editorial.input_from(existing)
        current.related = []
        current.tags, data.tags = sorted(current.tags), sorted(data.tags)
        if current == data and existing.published_at == item.published_at:
            counts["unchanged"] += 1
            return existing
    article = editorial.save_article(data, actor, existing)
    counts["updated" if existing else "created"] += 1
    if item.published_at and item.published_at <= utcnow():
        editorial.publish(article, actor, item.published_at)
    elif item.published_at:
        editorial.schedule(article, actor, item.published_at)
    else:
        editorial.publish(article, actor)
    return article

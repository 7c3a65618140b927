"""`flask import-articles`: idempotent by slug; every problem names its file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.content import demo, importer
from portal.content.models import Article, ArticleRevision, Author
from portal.extensions import db

GOOD = """---
title: "Importert artikkel"
slug: importert-artikkel
category: ledelse
access: members
author: kari-nordmann
published_at: 2026-01-12T09:00:00+01:00
tags: [ledelse, endring, "Små øyer"]
lede: "En ingress."
---

Åpen del.

<!-- paywall -->

Lukket del.
"""


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_import_is_idempotent(app: Flask) -> None:
    first = demo.seed()
    assert first["created"] == 21
    assert _count(Author) == 3
    second = demo.seed()
    assert second == {"created": 0, "updated": 0, "unchanged": 21}
    assert _count(Article) == 21 and _count(ArticleRevision) == 0
    access = db.session.scalars(select(Article.access)).all()
    assert {a: access.count(a) for a in set(access)} == {"public": 5, "members": 9, "paid": 7}


def test_cli_imports_and_updates_by_slug(app: Flask, tmp_path: Path) -> None:
    demo.seed()
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-articles", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "created: 1" in result.output
    article = db.session.scalar(select(Article).where(Article.slug == "importert-artikkel"))
    assert article is not None and article.status == "published"
    assert sorted(t.slug for t in article.tags) == ["endring", "ledelse", "sma-oyer"]
    assert "Lukket" not in article.teaser_html
    (tmp_path / "a.md").write_text(GOOD.replace("Lukket del.", "Ny lukket del."), "utf-8")
    result = runner.invoke(args=["import-articles", str(tmp_path)])
    assert "updated: 1" in result.output
    assert _count(ArticleRevision) == 1
    result = runner.invoke(args=["import-articles", str(tmp_path)])
    assert "unchanged: 1" in result.output


def test_errors_name_file_and_field_and_nothing_is_saved(app: Flask, tmp_path: Path) -> None:
    demo.seed()
    db.session.commit()  # the command rolls back its own work on error, not this
    before = _count(Article)
    (tmp_path / "ok.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "kategori.md").write_text(
        GOOD.replace("category: ledelse", "category: finnes-ikke").replace(
            "importert-artikkel", "annen"
        ),
        "utf-8",
    )
    (tmp_path / "slug.md").write_text(GOOD.replace("importert-artikkel", "Ugyldig Slug!"), "utf-8")
    (tmp_path / "tittel.md").write_text(
        GOOD.replace('title: "Importert artikkel"\n', "").replace("importert-artikkel", "x"),
        "utf-8",
    )
    (tmp_path / "yaml.md").write_text("---\ntitle: [uavsluttet\n---\nTekst\n", "utf-8")
    (tmp_path / "ingen.md").write_text("Bare tekst\n", "utf-8")
    (tmp_path / "dato.md").write_text(
        GOOD.replace("2026-01-12T09:00:00+01:00", "i morgen").replace("importert-artikkel", "y"),
        "utf-8",
    )
    result = app.test_cli_runner().invoke(args=["import-articles", str(tmp_path)])
    assert result.exit_code != 0
    output = result.output
    assert "kategori.md: category:" in output
    assert "slug.md: slug:" in output
    assert "tittel.md:" in output and "title" in output
    assert "yaml.md:" in output and "YAML" in output
    assert "ingen.md:" in output and "front matter" in output
    assert "dato.md: published_at" in output
    assert "nothing was imported" in output
    assert _count(Article) == before


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("- name: Uten adresse\n", "authors.yml: mangler feltet «slug»"),
        ("- slug: Ugyldig Slug\n  name: X\n", "authors.yml: slug:"),
        ("- bare en tekst\n", "authors.yml:"),
        ("[uavsluttet\n", "authors.yml:"),
    ],
)
def test_a_bad_authors_file_is_named_and_nothing_is_saved(
    app: Flask, tmp_path: Path, authors: str, expected: str
) -> None:
    (tmp_path / "authors.yml").write_text(authors, encoding="utf-8")
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-articles", str(tmp_path)])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert expected in result.output and "nothing was imported" in result.output
    assert _count(Article) == 0 and _count(Author) == 0


def test_duplicate_slug_across_files_is_refused(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD, encoding="utf-8")
    demo.seed()
    try:
        with force_locale("nb"):
            importer.import_directory(tmp_path)
    except importer.ImportProblems as exc:
        assert any("importert-artikkel" in p for p in exc.problems)
    else:
        raise AssertionError("duplicate slugs were accepted")


def test_author_and_category_changes_are_audited_once_by_their_service(
    app: Flask, tmp_path: Path, create_user
) -> None:
    from portal.content import editorial
    from portal.content.models import ContentAudit

    def entries(action: str) -> list[tuple[int | None, str]]:
        rows = db.session.scalars(select(ContentAudit).where(ContentAudit.action == action))
        return [(row.actor_id, row.detail) for row in rows]

    editor = create_user(name="Redaktør")
    (tmp_path / "authors.yml").write_text(
        "- {slug: ola-n, name: Ola N, bio: Skriver.}\n", encoding="utf-8"
    )
    importer.import_directory(tmp_path, editor)
    assert entries("author") == [(editor.id, "ola-n")]
    assert len(entries("category")) == 5  # the standard categories, created once
    importer.import_directory(tmp_path, editor)  # the same again: nothing changed
    assert entries("author") == [(editor.id, "ola-n")]
    assert len(entries("category")) == 5
    editorial.upsert_category("ledelse", "Ledelse og styring", "Ny tekst.", actor=editor)
    editorial.upsert_category("ledelse", "Ledelse og styring", "Ny tekst.", actor=editor)
    assert entries("category")[-1] == (editor.id, "ledelse") and len(entries("category")) == 6


def test_audit_only_records_and_writes_drop_cached_pages(app: Flask) -> None:
    from portal.content import editorial
    from portal.content.pagecache import pages

    key = ("GET", "/probe")
    pages.clear()
    pages.put(key, 60, "200 OK", [], b"cached")
    editorial.audit(None, "note")
    assert pages.get(key) is not None
    editorial.upsert_category("ny-kategori", "Ny kategori")
    assert pages.get(key) is None

"""`flask import-articles DIR`: load Markdown articles with YAML front matter."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale

from portal.content import importer
from portal.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("import-articles")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def import_articles(directory: Path) -> None:
        """Import *.md (and authors.yml) from DIRECTORY; idempotent by slug."""
        # No request here to choose a language from: messages in bokmål.
        with force_locale("nb"):
            try:
                counts = importer.import_directory(directory)
            except importer.ImportProblems as exc:
                db.session.rollback()
                for problem in exc.problems:
                    click.echo(problem, err=True)
                raise click.ClickException(
                    f"{len(exc.problems)} problem(s); nothing was imported"
                ) from None
        db.session.commit()
        click.echo(", ".join(f"{key}: {value}" for key, value in counts.items()))

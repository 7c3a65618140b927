"""Workspace commands: `flask load-templates` (idempotent)."""

from __future__ import annotations

import click
from flask import Flask

from portal.content import service as content_service
from portal.extensions import db
from portal.workspace import templates_loader


def load_templates() -> list[str]:
    """Load the bundled templates; lines for the console (errors raise, nothing is stored)."""
    report = templates_loader.load(known_slugs=content_service.article_slugs())
    if report.errors:
        db.session.rollback()
        raise click.ClickException("; ".join(report.errors))
    lines = [f"templates loaded: {', '.join(report.loaded) or 'none'}"]
    lines.append(f"templates unchanged: {', '.join(report.unchanged) or 'none'}")
    for label, slugs in report.unknown_slugs.items():
        lines.append(f"warning: {label} links unknown articles: {', '.join(slugs)}")
    return lines


@click.command("load-templates")
def load_templates_command() -> None:
    """Store new template versions from portal/workspace/template_data (never changes old ones)."""
    for line in load_templates():
        click.echo(line)
    db.session.commit()


def register(app: Flask) -> None:
    app.cli.add_command(load_templates_command)

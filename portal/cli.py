"""Command-line commands: each domain registers its own; seed-demo runs every domain's seeder."""

from __future__ import annotations

import click
from flask import Flask

from portal import demo
from portal.accounts import cli as accounts_cli
from portal.extensions import db


def init_app(app: Flask) -> None:
    accounts_cli.register(app)
    for register in demo.CLI_REGISTRARS:
        register(app)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load idempotent demo data: users, content, organisations, plans and grants."""
        summary = demo.seed_all()
        db.session.commit()
        for line in summary:
            click.echo(line)

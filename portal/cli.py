"""Command-line commands: each domain registers its own; seed-demo runs every domain's seeder."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask

from portal import demo
from portal.accounts import cli as accounts_cli
from portal.extensions import db
from portal.outbox import service as outbox


def init_app(app: Flask) -> None:
    accounts_cli.register(app)
    for register in demo.CLI_REGISTRARS:
        register(app)

    @app.cli.command("outbox-redispatch")
    def outbox_redispatch() -> None:
        """Hand every pending outbox item over again (what beat does every 30 s)."""
        sent = outbox.redispatch_pending(older_than=timedelta(0))
        click.echo(f"handed over {sent} pending item(s)")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load idempotent demo data: users, content, organisations, plans and grants."""
        summary = demo.seed_all()
        db.session.commit()
        for line in summary:
            click.echo(line)

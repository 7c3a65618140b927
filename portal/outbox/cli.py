"""`flask outbox-redispatch`: hand every pending outbox item over again."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask

from portal.outbox import service as outbox


def register(app: Flask) -> None:
    @app.cli.command("outbox-redispatch")
    def outbox_redispatch() -> None:
        """Hand every pending outbox item over again (what beat does every 30 s)."""
        sent = outbox.redispatch_pending(older_than=timedelta(0))
        click.echo(f"handed over {sent} pending item(s)")

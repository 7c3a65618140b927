"""`flask seed-demo`: every domain's demo data, in dependency order."""

from __future__ import annotations

import click
from flask import Flask

from portal.accounts import demo as accounts_demo
from portal.billing import demo as billing_demo
from portal.content import demo as content_demo
from portal.extensions import db
from portal.orgs import demo as orgs_demo
from portal.workspace import demo as workspace_demo


def seed_all() -> list[str]:
    """Seed every domain; running it again changes nothing."""
    users = accounts_demo.seed()
    summary = [f"demo users: {len(users)}"]
    summary.append(f"demo organisations: {len(orgs_demo.seed(users))}")
    summary += billing_demo.seed(users)
    articles = content_demo.seed()
    summary.append("demo articles: " + ", ".join(f"{k} {v}" for k, v in articles.items()))
    summary += workspace_demo.seed(users)
    return summary


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load idempotent demo data: users, content, organisations, plans and grants."""
        summary = seed_all()
        db.session.commit()
        for line in summary:
            click.echo(line)

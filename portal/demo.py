"""`flask seed-demo`: every domain's demo data, in dependency order."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from portal.accounts import demo as accounts_demo
from portal.billing import cli as billing_cli
from portal.billing import demo as billing_demo
from portal.content import cli as content_cli
from portal.content import demo as content_demo
from portal.orgs import demo as orgs_demo
from portal.workspace import cli as workspace_cli
from portal.workspace import demo as workspace_demo

# Domains add their `register(app)` CLI functions here.
CLI_REGISTRARS: list[Callable[[Flask], None]] = [billing_cli.register, content_cli.register]
CLI_REGISTRARS.append(workspace_cli.register)


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

"""`flask seed-demo`: every domain's demo data, in dependency order."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from portal.accounts import demo as accounts_demo

# Domains add their `register(app)` CLI functions here.
CLI_REGISTRARS: list[Callable[[Flask], None]] = []


def seed_all() -> list[str]:
    """Seed every domain; running it again changes nothing."""
    users = accounts_demo.seed()
    return [f"demo users: {len(users)}"]

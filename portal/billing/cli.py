"""Billing commands: `flask stripe-sync-plans` and `flask billing-reconcile`."""

from __future__ import annotations

import click
from flask import Flask

from portal.billing import gateway, plans
from portal.billing.reconcile import reconcile
from portal.extensions import db
from portal.orgs.scoping import system_scope


@click.command("stripe-sync-plans")
def sync_plans_command() -> None:
    """Create or update the products and prices in Stripe (idempotent)."""
    if not gateway.enabled():
        raise click.ClickException("STRIPE_SECRET_KEY is not set")
    for line in plans.sync_to_stripe():
        click.echo(line)
    db.session.commit()


@click.command("billing-reconcile")
def reconcile_command() -> None:
    """Correct the subscription mirror from Stripe now (the beat task does it daily)."""
    if not gateway.enabled():
        raise click.ClickException("STRIPE_SECRET_KEY is not set")
    with system_scope():
        counts = reconcile()
    db.session.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


def register(app: Flask) -> None:
    app.cli.add_command(sync_plans_command)
    app.cli.add_command(reconcile_command)

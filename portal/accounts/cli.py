"""`flask create-user`."""

from __future__ import annotations

import click
from flask import Flask

from portal.accounts import service
from portal.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--password", required=True, help="The user's password.")
    @click.option("--name", default="", help="Display name (defaults to the e-mail's local part).")
    @click.option("--staff", type=click.Choice(["editor", "admin"]), default=None)
    @click.option("--verified", is_flag=True, help="Mark the e-mail address as verified.")
    def create_user(
        email: str, password: str, name: str, staff: str | None, verified: bool
    ) -> None:
        """Add a user."""
        try:
            user = service.create_user(email, name, password, verified=verified, staff_role=staff)
        except service.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"created user {user.id} <{user.email}>")

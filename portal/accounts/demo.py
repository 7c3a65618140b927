"""Demo users for `flask seed-demo` (CONTRACT.md)."""

from __future__ import annotations

from flask import current_app

from portal.accounts import service
from portal.accounts.models import User

DEMO_USERS = [
    ("reader@example.com", "Rita Leser", None),
    ("subscriber@example.com", "Sigurd Abonnent", None),
    ("owner@acme.example.com", "Olav Eier", None),
    ("admin@acme.example.com", "Astrid Admin", None),
    ("editor@acme.example.com", "Erik Redaktør", None),
    ("member@acme.example.com", "Maja Medlem", None),
    ("owner@fjord.example.com", "Frida Fjord", None),
    ("editor@example.com", "Eva Redaktør", "editor"),
    ("admin@example.com", "Anders Admin", "admin"),
]


def seed() -> dict[str, User]:
    """Create the demo users once; existing ones are left as they are."""
    password = current_app.config["DEMO_PASSWORD"]
    users: dict[str, User] = {}
    for email, name, staff_role in DEMO_USERS:
        user = service.find_by_email(email)
        if user is None:
            user = service.create_user(email, name, password, verified=True, staff_role=staff_role)
        users[email] = user
    return users

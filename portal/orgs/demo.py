"""Demo organisations for `flask seed-demo` (CONTRACT.md): acme and fjord with their people."""

from __future__ import annotations

from portal.accounts.models import User
from portal.orgs import scoping, service
from portal.orgs.models import Organization

DEMO_ORGS = [
    # slug, name, organisation number, seats, [(e-mail, role)]
    (
        "acme",
        "Acme AS",
        "923609016",
        10,
        [
            ("owner@acme.example.com", "owner"),
            ("admin@acme.example.com", "admin"),
            ("editor@acme.example.com", "editor"),
            ("member@acme.example.com", "member"),
        ],
    ),
    ("fjord", "Fjord kommune", None, 5, [("owner@fjord.example.com", "owner")]),
]


def seed(users: dict[str, User]) -> list[Organization]:
    """Create the demo organisations and memberships once; running it again changes nothing."""
    orgs = []
    for slug, name, number, seats, people in DEMO_ORGS:
        owner_email = people[0][0]
        org = service.get_by_slug(slug, include_deleted=True)
        if org is None:
            org = service.create_organization(
                users[owner_email], name, slug, f"faktura@{slug}.example.com", number
            )
        with scoping.org_scope(org):
            if org.seat_limit < seats:
                service.set_seat_limit(org, seats, None)
            for email, role in people[1:]:
                user = users[email]
                if service.membership_for(org, user) is None:
                    service.add_member(org, user, role, users[owner_email], "member.added", None)
        orgs.append(org)
    return orgs

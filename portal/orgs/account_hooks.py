"""What organisations contribute to a member's own account: the data download and the rule
that the last owner cannot delete their account (registered by create_app)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from portal.accounts.models import User
from portal.orgs import scoping, service
from portal.refused import Refused


def account_deletion_blocker(user: User) -> None:
    """Refused while the user is the last owner of an organisation (transfer the ownership
    or delete the organisation first)."""
    for membership in service.memberships_for_user(user):
        if membership.role != "owner":
            continue
        with scoping.org_scope(membership.org):
            if len(service.owners(membership.org)) <= 1:
                raise Refused(
                    _(
                        "Du er eneste eier av %(name)s. Overfør eierskapet eller slett "
                        "organisasjonen før du sletter kontoen.",
                        name=membership.org.name,
                    )
                )


def export_user_data(user: User) -> dict[str, Any]:
    """The user's organisation memberships, for their data export (GDPR)."""
    return {
        "memberships": [
            {
                "organisation": m.org.name,
                "slug": m.org.slug,
                "role": m.role,
                "since": m.created_at.isoformat(),
            }
            for m in service.memberships_for_user(user)
        ]
    }

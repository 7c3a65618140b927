"""Keep an organisation's seat limit equal to the quantity of its paying subscription."""

from __future__ import annotations

from portal.billing.models import Subscription
from portal.orgs import service as orgs_service
from portal.timeutil import utcnow


def sync_org_seat_limit(row: Subscription) -> None:
    """A live organisation subscription sets the seats; a lapsed one leaves them as they were
    (nobody is removed, and the lapse itself is what takes access away)."""
    if row.org_id is None or not row.grants_access(utcnow()):
        return
    org = orgs_service.get_by_id(row.org_id, include_deleted=True)
    if org is not None and org.seat_limit != row.quantity:
        orgs_service.set_seat_limit(org, row.quantity, None)

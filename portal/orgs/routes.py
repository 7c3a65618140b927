"""Organisation pages under /orgs/ (the view modules register themselves on `bp`)."""

from collections.abc import Sequence

from portal.orgs import audit_text, home_views, member_views, org_views  # noqa: F401
from portal.orgs.blueprint import bp
from portal.orgs.models import OrgAuditEntry

__all__ = ["bp"]


@bp.app_template_global("describe_audit")
def describe_audit(entries: Sequence[OrgAuditEntry]) -> list[audit_text.AuditLine]:
    """The one way a template shows organisation log entries: sentences, before → after."""
    return audit_text.describe(entries)

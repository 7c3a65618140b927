"""Organisation pages under /orgs/ (the view modules register themselves on `bp`)."""

from portal.orgs import home_views, member_views, org_views  # noqa: F401 - they register views
from portal.orgs.blueprint import bp

__all__ = ["bp"]

"""Workspace pages under /orgs/<org_slug>/workspace (the view modules register on `bp`)."""

from portal.workspace import (  # noqa: F401 - they register views
    planning_views,
    section_views,
    staff_views,
    version_views,
    workbook_views,
)
from portal.workspace.blueprint import bp

__all__ = ["bp"]

"""Back office under /staff: the front page; each area's views live in its own module."""

from __future__ import annotations

from flask import render_template

from portal.staff import (  # noqa: F401 - they register views
    articles,
    members,
    organisations,
    revisions,
    taxonomy,
)
from portal.staff.blueprint import bp, staff_required

__all__ = ["bp"]


@bp.get("/")
@staff_required()
def index() -> str:
    # The menu comes from the blueprint's context processor: only what this role can open.
    return render_template("staff/index.html")

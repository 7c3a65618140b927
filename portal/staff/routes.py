"""Back office under /staff: the front page; each area's views live in its own module."""

from __future__ import annotations

from flask import render_template

from portal.staff import articles, members, organisations  # noqa: F401 - they register views
from portal.staff.blueprint import MENU, bp, staff_required

__all__ = ["bp"]


@bp.get("/")
@staff_required()
def index() -> str:
    return render_template("staff/index.html", menu=MENU)

"""Back office: the workbook templates, their versions and how many workbooks use each."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from portal.staff.blueprint import bp, menu_item, staff_required
from portal.workspace import service


@bp.get("/templates")
@staff_required()
@menu_item(_l("Maler for arbeidsbøker"))
def workspace_templates() -> str:
    return render_template("workspace/staff_templates.html", rows=service.template_usage())

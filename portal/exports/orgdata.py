"""An organisation's data export: everything of the organisation as JSON, plus its workbooks."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from portal.exports import builder
from portal.exports.models import ExportJob
from portal.exports.render_pdf import render_pdf
from portal.exports.render_xlsx import render_xlsx
from portal.extensions import db
from portal.orgs import audit, domains, invitations, service
from portal.orgs.models import Organization


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_plain).encode("utf-8")


def _user(user: Any) -> dict[str, Any] | None:
    return {"name": user.name, "email": user.email} if user is not None else None


def organisation_data(org: Organization) -> dict[str, Any]:
    """The organisation's own rows, as plain data."""
    return {
        "organisation": {
            "name": org.name, "slug": org.slug, "org_number": org.org_number,
            "billing_email": org.billing_email, "seat_limit": org.seat_limit,
            "created_at": org.created_at,
        },
        "members": [
            {**(_user(m.user) or {}), "role": m.role, "since": m.created_at}
            for m in service.members(org)
        ],
        "invitations": [
            {"email": i.email, "role": i.role, "sent_at": i.sent_at, "expires_at": i.expires_at}
            for i in invitations.pending(org)
        ],
        "email_domains": [
            {"domain": d.domain, "added_at": d.created_at} for d in domains.domains(org)
        ],
        "audit_log": [
            {"at": e.created_at, "actor": _user(e.actor), "action": e.action, "target": e.target,
             "before": e.before, "after": e.after}
            for e in audit.entries(org, limit=1_000_000)
        ],
        "exports": [
            {"id": j.id, "title": j.title, "format": j.format, "status": j.status,
             "requested_by": _user(j.requested_by), "created_at": j.created_at}
            for j in db.session.scalars(ExportJob.select_for(org).order_by(ExportJob.id))
        ],
    }  # fmt: skip


def render_org_data(org: Organization, language: str) -> bytes:
    """The zip: organisation.json, and per workbook its document as JSON, PDF and XLSX."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organisation.json", _json(organisation_data(org)))
        for workbook_id in builder.workbook_ids(org):
            doc = builder.build_document(org, workbook_id, None, language)
            stem = f"workbooks/{workbook_id}"
            archive.writestr(f"{stem}/workbook.json", _json(dataclasses.asdict(doc)))
            archive.writestr(f"{stem}/workbook.pdf", render_pdf(doc))
            archive.writestr(f"{stem}/workbook.xlsx", render_xlsx(doc))
    return buffer.getvalue()

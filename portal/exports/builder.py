"""Adapts the workspace's workbooks (and snapshots) into the export document model."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.exports.document import Document
from portal.orgs.models import Organization


class WorkbookNotFound(LookupError):
    """No such workbook in this organisation, or no such snapshot of it."""

    def __init__(self) -> None:
        super().__init__(_("Fant ikke arbeidsboken eller versjonen i denne organisasjonen."))


def workbook_title(org: Organization, workbook_id: int, snapshot_id: int | None) -> str:
    """The title to show for an export of this workbook (and snapshot); WorkbookNotFound if the
    workbook is not the organisation's or the snapshot not the workbook's."""
    raise WorkbookNotFound()


def workbook_ids(org: Organization) -> list[int]:
    """Every workbook of the organisation (for its data export)."""
    return []


def build_document(
    org: Organization, workbook_id: int, snapshot_id: int | None, language: str
) -> Document:
    """The document for one workbook, or one of its snapshots, of `org`."""
    raise WorkbookNotFound()

"""The workbook overview links to the Excel export for everyone who may read it and to the
Excel import for those who may edit it, while the organisation has access."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.support.tenants import Tenant


def _links(client, wb) -> tuple[bool, bool]:  # noqa: ANN001
    page = client.get(f"/orgs/acme/workspace/{wb.id}/").get_data(as_text=True)
    export = f'href="/orgs/acme/exports/?workbook_id={wb.id}"' in page
    import_ = f'href="/orgs/acme/exports/import?workbook_id={wb.id}">Importer fra Excel<' in page
    return export, import_


@pytest.mark.parametrize(
    ("role", "may_import"), [("owner", True), ("admin", True), ("editor", True), ("member", False)]
)
def test_who_sees_the_import_link(client, login, acme: Tenant, wb, role: str, may_import) -> None:
    login(client, acme.user(role))
    assert _links(client, wb) == (True, may_import)
    if may_import:  # the link leads to the import form for this workbook
        page = client.get(f"/orgs/acme/exports/import?workbook_id={wb.id}").get_data(as_text=True)
        assert f'value="{wb.id}"' in page


def test_a_lapsed_organisation_exports_but_does_not_import(client, login, acme, wb) -> None:
    acme.org.trial_ends_at = None
    db.session.flush()
    login(client, acme.owner)
    assert _links(client, wb) == (True, False)

"""The member's data download gathers every domain's section (accounts, organisations, billing)."""

from __future__ import annotations

import json

from portal.billing import grants
from portal.orgs import service as orgs_service


def test_data_download_has_organisation_and_billing_sections(client, create_user, login) -> None:
    user = create_user(name="Hele Meg")
    orgs_service.create_organization(
        user, name="Eksport AS", slug="eksport-as", billing_email="faktura@eksport.example"
    )
    grants.grant_to_user(user, reason="Pressekonto")
    login(client, user)
    data = json.loads(client.get("/account/data.json").data)
    assert data["account"]["name"] == "Hele Meg"
    assert data["orgs"]["memberships"][0]["slug"] == "eksport-as"
    assert data["orgs"]["memberships"][0]["role"] == "owner"
    assert data["billing"]["complimentary_grants"][0]["reason"] == "Pressekonto"

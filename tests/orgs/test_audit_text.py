"""The organisation log in words: sentences with names, before → after, both languages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import force_locale

from portal.accounts.models import User
from portal.orgs import audit, audit_text, scoping, service
from portal.orgs.models import Membership, Organization


def _lines(org: Organization) -> list[audit_text.AuditLine]:
    with scoping.org_scope(org):
        return audit_text.describe(audit.entries(org))


def test_a_role_change_reads_as_a_sentence_with_names(
    app: Flask,
    make_org: Callable[..., Organization],
    create_user: Callable[..., User],
    add_member: Callable[..., Membership],
) -> None:
    astrid = create_user(name="Astrid Admin")
    org = make_org(astrid)
    erik = create_user(name="Erik")
    membership = add_member(org, erik, "member")
    with scoping.org_scope(org):
        service.change_role(org, service.membership_for(org, astrid), membership, "editor", None)
    newest = _lines(org)[0]
    assert newest.sentence == "Astrid Admin endret rollen til Erik fra medlem til redaktør"
    assert newest.changes == []
    with force_locale("en"):
        english = _lines(org)[0]
    assert english.sentence == "Astrid Admin changed Erik's role from member to editor"


def test_changed_settings_are_listed_before_and_after(
    app: Flask, make_org: Callable[..., Organization], create_user: Callable[..., User]
) -> None:
    owner = create_user(name="Olga Eier")
    org = make_org(owner, name="Gamle AS")
    with scoping.org_scope(org):
        service.update_settings(org, owner, "Nye AS", org.billing_email, "974760673")
    newest = _lines(org)[0]
    assert newest.sentence == "Olga Eier endret innstillingene"
    assert [(c.label, c.before, c.after) for c in newest.changes] == [
        ("Navn", "Gamle AS", "Nye AS"),
        ("Organisasjonsnummer", "–", "974760673"),
    ]


def test_an_event_without_a_sentence_still_reads_as_words(
    app: Flask, make_org: Callable[..., Organization], create_user: Callable[..., User]
) -> None:
    owner = create_user(name="Olga Eier")
    org = make_org(owner)
    with scoping.org_scope(org):
        audit.record(org, owner, "workspace.something_new", "x", {"name": "a"}, {"name": "b"})
    newest = _lines(org)[0]
    assert newest.sentence == "Olga Eier gjorde en endring"
    assert "workspace" not in newest.sentence
    assert [(c.before, c.after) for c in newest.changes] == [("a", "b")]


def test_the_log_page_reads_in_the_chosen_language(
    client,
    login,
    csrf_token,
    make_org,
    create_user,  # noqa: ANN001
) -> None:
    owner = create_user(name="Olga Eier")
    make_org(owner, slug="sprak-as", name="Språk AS")
    login(client, owner)
    page = client.get("/orgs/sprak-as/audit").get_data(as_text=True)
    assert "Olga Eier opprettet organisasjonen" in page and "org.created" not in page
    token = csrf_token(client, "/orgs/sprak-as/audit")
    client.post("/language", data={"lang": "en", "csrf_token": token})
    page = client.get("/orgs/sprak-as/audit").get_data(as_text=True)
    assert "Olga Eier created the organisation" in page

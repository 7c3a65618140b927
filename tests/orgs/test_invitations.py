"""Invitations end to end through a real SMTP server: invite, mail, accept, seats, bad links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask

from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import invitations, scoping, service
from portal.orgs.models import Organization
from portal.timeutil import utcnow
from tests.conftest import PASSWORD, login_as
from tests.support.services import SmtpSink, body_text


@pytest.fixture
def smtp_app(committed_app: Flask, make_app, smtp_sink: SmtpSink) -> Iterator[Flask]:
    app = make_app(MAIL_URL=smtp_sink.url, BASE_URL="http://veivalg.test")
    yield app
    with app.app_context():
        db.engine.dispose()  # give its connections back now, not at the end of the run


def user(email: str, name: str = "Kari Kollega", verified: bool = True) -> User:
    return accounts_service.create_user(email, name, PASSWORD, verified=verified)


def invite_link(sink: SmtpSink, address: str, count: int = 1) -> str:
    message = sink.wait_for_mail(address, count=count)[-1]
    match = re.search(r"http://veivalg\.test(/orgs/invitations/\S+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def send_invite(client, email: str, role: str = "member", slug: str = "bedrift"):  # noqa: ANN201
    page = client.get(f"/orgs/{slug}/invitations").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(
        f"/orgs/{slug}/invitations", data={"csrf_token": token, "email": email, "role": role}
    )


def post_with_token(client, path: str, data: dict | None = None):  # noqa: ANN201
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(path, data={"csrf_token": token, **(data or {})})


@pytest.fixture
def bedrift(smtp_app: Flask) -> tuple[Organization, User]:
    with smtp_app.app_context():
        owner = user("sjef@example.org", "Sara Sjef")
        org = service.create_organization(owner, "Bedrift AS", "bedrift", "faktura@example.org")
        db.session.commit()
        return org.id, owner.id


def test_an_invitation_leads_a_newcomer_to_a_sign_up_form_with_the_address_filled_in(
    smtp_app: Flask, smtp_sink: SmtpSink, bedrift
) -> None:
    with smtp_app.app_context():
        boss = smtp_app.test_client()
        login_as(boss, db.session.get(User, bedrift[1]))
        send_invite(boss, "ny@firma.example")
        link = invite_link(smtp_sink, "ny@firma.example")
        newcomer = smtp_app.test_client()
        page = newcomer.get(link).get_data(as_text=True)
        signup = re.search(r'href="(/signup\?[^"]+)"', page).group(1).replace("&amp;", "&")
        form = newcomer.get(signup).get_data(as_text=True)
        assert 'value="ny@firma.example"' in form


def test_a_colleague_is_invited_gets_the_mail_joins_and_the_seat_count_shows_it(
    smtp_app: Flask, smtp_sink: SmtpSink, bedrift
) -> None:
    with smtp_app.app_context():
        owner = db.session.get(User, bedrift[1])
        colleague = user("kari@example.org")
        db.session.commit()
        boss, kari = smtp_app.test_client(), smtp_app.test_client()
        login_as(boss, owner)
        login_as(kari, colleague)

        response = send_invite(boss, "Kari@Example.org", "editor")
        assert response.status_code == 303
        members_page = boss.get("/orgs/bedrift/members").get_data(as_text=True)
        assert "2 av 5 plasser i bruk" in members_page  # the pending invitation holds a seat

        message = smtp_sink.wait_for_mail("kari@example.org")[0]
        assert "Bedrift AS" in message["Subject"]
        link = invite_link(smtp_sink, "kari@example.org")

        page = kari.get(link)
        assert page.status_code == 200 and "Bedrift AS" in page.get_data(as_text=True)
        response = post_with_token(kari, link)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/orgs/bedrift/"
        members_page = kari.get("/orgs/bedrift/members").get_data(as_text=True)
        assert "kari@example.org" in members_page and "2 av 5 plasser i bruk" in members_page
        assert "Redaktør" in members_page

        # The link is single-use.
        again = kari.get(link)
        assert again.status_code == 410
        assert "allerede brukt" in again.get_data(as_text=True)
        audit = boss.get("/orgs/bedrift/audit").get_data(as_text=True)
        # The log reads as sentences, never as event codes.
        assert " inviterte " in audit and "takket ja til invitasjonen og ble redaktør" in audit
        assert "invitation.sent" not in audit and "invitation.accepted" not in audit


def test_an_invitation_cannot_be_accepted_from_another_address(
    smtp_app: Flask, smtp_sink: SmtpSink, bedrift
) -> None:
    with smtp_app.app_context():
        owner = db.session.get(User, bedrift[1])
        intruder = user("ola@example.org", "Ola Uvedkommende")
        db.session.commit()
        boss, ola = smtp_app.test_client(), smtp_app.test_client()
        login_as(boss, owner)
        login_as(ola, intruder)
        send_invite(boss, "kari@example.org")
        link = invite_link(smtp_sink, "kari@example.org")
        response = post_with_token(ola, link)
        assert response.status_code == 403
        assert "kari@example.org" in response.get_data(as_text=True)
        assert ola.get("/orgs/bedrift/").status_code == 404
        org = db.session.get(Organization, bedrift[0])
        assert service.members_count(org) == 1


def test_anonymous_visitors_are_asked_to_log_in_and_forged_links_are_404(
    smtp_app: Flask, smtp_sink: SmtpSink, bedrift
) -> None:
    with smtp_app.app_context():
        owner = db.session.get(User, bedrift[1])
        boss, anonymous = smtp_app.test_client(), smtp_app.test_client()
        login_as(boss, owner)
        send_invite(boss, "kari@example.org")
        link = invite_link(smtp_sink, "kari@example.org")
        page = anonymous.get(link).get_data(as_text=True)
        assert "Logg inn" in page and "kari@example.org" in page
        assert anonymous.get(link + "x").status_code == 404
        assert anonymous.get("/orgs/invitations/forged-token").status_code == 404


def test_resend_replaces_the_link_and_revoke_frees_the_seat(
    smtp_app: Flask, smtp_sink: SmtpSink, bedrift
) -> None:
    with smtp_app.app_context():
        owner = db.session.get(User, bedrift[1])
        colleague = user("kari@example.org")
        db.session.commit()
        boss, kari = smtp_app.test_client(), smtp_app.test_client()
        login_as(boss, owner)
        login_as(kari, colleague)
        send_invite(boss, "kari@example.org")
        first = invite_link(smtp_sink, "kari@example.org")
        org = db.session.get(Organization, bedrift[0])
        pending = invitations.pending(org)[0]
        assert (
            post_with_token(boss, f"/orgs/bedrift/invitations/{pending.id}/resend").status_code
            == 303
        )
        second = invite_link(smtp_sink, "kari@example.org", count=2)
        assert second != first
        assert kari.get(first).status_code == 404  # the old link stopped working
        assert (
            post_with_token(boss, f"/orgs/bedrift/invitations/{pending.id}/revoke").status_code
            == 303
        )
        revoked = kari.get(second)
        assert revoked.status_code == 410 and "trukket tilbake" in revoked.get_data(as_text=True)
        db.session.expire_all()
        assert service.seats_used(org) == 1


def test_expired_links_are_refused(smtp_app: Flask, smtp_sink: SmtpSink, bedrift) -> None:
    with smtp_app.app_context():
        owner = db.session.get(User, bedrift[1])
        colleague = user("kari@example.org")
        db.session.commit()
        boss, kari = smtp_app.test_client(), smtp_app.test_client()
        login_as(boss, owner)
        login_as(kari, colleague)
        send_invite(boss, "kari@example.org")
        link = invite_link(smtp_sink, "kari@example.org")
        org = db.session.get(Organization, bedrift[0])
        with scoping.org_scope(org):
            invitation = invitations.pending(org)[0]
            invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        response = kari.get(link)
        assert response.status_code == 410 and "utløpt" in response.get_data(as_text=True)
        assert service.members_count(org) == 1


def test_seat_limit_refuses_invites_and_full_orgs_tell_the_admins(
    smtp_app: Flask, smtp_sink: SmtpSink, bedrift
) -> None:
    with smtp_app.app_context():
        owner = db.session.get(User, bedrift[1])
        org = db.session.get(Organization, bedrift[0])
        service.set_seat_limit(org, 2, None)
        colleague = user("kari@example.org")
        db.session.commit()
        boss, kari = smtp_app.test_client(), smtp_app.test_client()
        login_as(boss, owner)
        login_as(kari, colleague)
        assert send_invite(boss, "kari@example.org").status_code == 303
        full = send_invite(boss, "per@example.org")
        assert full.status_code == 422
        assert "Alle 2 plassene er i bruk" in full.get_data(as_text=True)
        link = invite_link(smtp_sink, "kari@example.org")
        # Staff lower the seats below what is in use: the invitee is told, and so are the owners.
        service.set_seat_limit(db.session.get(Organization, bedrift[0]), 1, None)
        db.session.commit()
        response = post_with_token(kari, link)
        assert response.status_code == 409
        assert "ingen ledige plasser" in response.get_data(as_text=True)
        notice = smtp_sink.wait_for_mail("sjef@example.org")[0]
        assert "ingen ledige plasser" in notice["Subject"]
        assert "kari@example.org" in body_text(notice)
        assert service.members_count(db.session.get(Organization, bedrift[0])) == 1


def test_inviting_an_existing_member_or_twice_is_refused(
    smtp_app: Flask, smtp_sink: SmtpSink, bedrift
) -> None:
    with smtp_app.app_context():
        owner = db.session.get(User, bedrift[1])
        boss = smtp_app.test_client()
        login_as(boss, owner)
        member = send_invite(boss, "sjef@example.org")
        assert member.status_code == 422 and "allerede medlem" in member.get_data(as_text=True)
        assert send_invite(boss, "kari@example.org").status_code == 303
        twice = send_invite(boss, "kari@example.org")
        assert twice.status_code == 422 and "allerede invitert" in twice.get_data(as_text=True)
        owner_role = send_invite(boss, "per@example.org", role="owner")
        assert owner_role.status_code == 422
        assert len(invitations.pending(db.session.get(Organization, bedrift[0]))) == 1


def test_the_newcomer_journey(smtp_app: Flask, smtp_sink: SmtpSink) -> None:
    """Done-when: a newcomer creates an organisation, invites a colleague who gets the mail and
    joins, sees the seat count, and reaches nothing of another organisation."""
    with smtp_app.app_context():
        other_owner = user("eier@example.net", "Annen Eier")
        service.create_organization(other_owner, "Annen AS", "annen", "f@example.net")
        newcomer, colleague = user("ny@example.org", "Nina Ny"), user("kari@example.org")
        db.session.commit()
        nina, kari = smtp_app.test_client(), smtp_app.test_client()
        login_as(nina, newcomer)
        login_as(kari, colleague)
    created = post_with_token(nina, "/orgs/new", {"name": "Nina Rådgivning AS", "slug": "nina",
                              "billing_email": "ny@example.org", "org_number": ""})  # fmt: skip
    assert created.status_code == 303
    assert send_invite(nina, "kari@example.org", slug="nina").status_code == 303
    link = invite_link(smtp_sink, "kari@example.org")
    assert post_with_token(kari, link).status_code == 302
    page = kari.get("/orgs/nina/members").get_data(as_text=True)
    assert "2 av 5 plasser i bruk" in page and "Nina Rådgivning AS" in page
    for path in ("/orgs/annen/", "/orgs/annen/members", "/orgs/annen/settings"):
        assert kari.get(path).status_code == 404
        assert nina.get(path).status_code == 404

"""Organisation work with real commits: a Celery worker (Redis broker), concurrent writers."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.accounts import service as accounts_service
from portal.accounts.models import User
from portal.extensions import db
from portal.orgs import domains, invitations, scoping, service
from portal.orgs.models import Invitation, Organization
from portal.orgs.service import OrgError
from portal.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.support.services import RedisServer, SmtpSink, body_text, wait_for


def test_the_invitation_mail_is_sent_by_the_worker_and_the_purge_runs_there(
    committed_app: Flask,
    make_app,
    redis_server: RedisServer,
    smtp_sink: SmtpSink,
    celery_worker_factory,
) -> None:
    app = make_app(REDIS_URL=redis_server.url, MAIL_URL=smtp_sink.url)
    try:
        run_invitation_and_purge(app, smtp_sink, celery_worker_factory, redis_server)
    finally:
        with app.app_context():
            db.engine.dispose()


def run_invitation_and_purge(
    app: Flask, smtp_sink: SmtpSink, celery_worker_factory, redis_server: RedisServer
) -> None:
    celery_worker_factory(redis_server.url, smtp_sink.url)
    with app.app_context():
        owner = accounts_service.create_user("sjef@example.org", "Sara", PASSWORD, verified=True)
        org = service.create_organization(owner, "Bedrift AS", "bedrift", "f@example.org")
        gone = service.create_organization(owner, "Gammel AS", "gammel", "f@example.org")
        gone.deleted_at = utcnow() - timedelta(days=31)
        db.session.commit()
        org_id, gone_id, owner_session_id = org.id, gone.id, owner.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = owner_session_id
    page = client.get("/orgs/bedrift/invitations").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/orgs/bedrift/invitations",
        data={"csrf_token": token, "email": "kari@example.org", "role": "member"},
    )
    assert response.status_code == 302
    message = smtp_sink.wait_for_mail("kari@example.org", timeout=30)[0]
    assert "/orgs/invitations/" in body_text(message)

    # The beat task, run by the worker as the runtime role, purges only what is due.
    app.extensions["celery"].send_task("orgs.purge_deleted")  # ignore_result: watch the rows

    def purged() -> bool:
        with app.app_context():
            ids = set(db.session.scalars(select(Organization.id)))
            return ids == {org_id} and gone_id not in ids

    wait_for(purged, timeout=15)


def test_concurrent_domain_joins_never_take_more_seats_than_there_are(committed_app: Flask) -> None:
    app = committed_app
    with app.app_context():
        owner = accounts_service.create_user("sjef@bedrift.no", "Sara", PASSWORD, verified=True)
        org = service.create_organization(owner, "Bedrift AS", "bedrift", "f@bedrift.no")
        service.set_seat_limit(org, 3, None)
        domains.add_domain(org, owner, "bedrift.no")
        people = [
            accounts_service.create_user(f"ansatt{i}@bedrift.no", "Ansatt", None, verified=True).id
            for i in range(8)
        ]
        db.session.commit()
    barrier = threading.Barrier(len(people))

    def join(user_id: int) -> bool:
        with app.test_request_context():
            person = db.session.get(User, user_id)
            bedrift = service.get_by_slug("bedrift")
            barrier.wait(timeout=10)
            try:
                domains.join(bedrift, person)
                db.session.commit()
                return True
            except OrgError:
                db.session.rollback()
                return False

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        joined = list(pool.map(join, people))
    assert joined.count(True) == 2  # 3 seats, the owner holds one
    with app.app_context():
        bedrift = service.get_by_slug("bedrift")
        assert service.members_count(bedrift) == 3


def test_two_owners_acting_at_once_never_leave_the_organisation_without_an_owner(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        first = accounts_service.create_user("a@bedrift.no", "Anne", PASSWORD, verified=True)
        second = accounts_service.create_user("b@bedrift.no", "Bjørn", PASSWORD, verified=True)
        org = service.create_organization(first, "Bedrift AS", "bedrift", "f@bedrift.no")
        service.add_member(org, second, "owner", first, "member.added", None)
        db.session.commit()
        ids = (first.id, second.id)
    barrier = threading.Barrier(2)

    def demote_the_other(actor_id: int) -> bool:
        other_id = ids[1] if actor_id == ids[0] else ids[0]
        with app.test_request_context():
            bedrift = service.get_by_slug("bedrift")
            mine = {m.user_id: m for m in service.members(bedrift)}
            barrier.wait(timeout=10)
            try:
                service.change_role(bedrift, mine[actor_id], mine[other_id], "admin", None)
                time.sleep(0.5)  # both have read the owners before either commits
                db.session.commit()
                return True
            except OrgError:
                db.session.rollback()
                return False

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(demote_the_other, ids))
    assert sorted(done) == [False, True]
    with app.app_context():
        assert len(service.owners(service.get_by_slug("bedrift"))) == 1


def test_an_invitation_accepted_twice_at_once_makes_one_member_and_a_clear_answer(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner = accounts_service.create_user("sjef@bedrift.no", "Sara", PASSWORD, verified=True)
        kari = accounts_service.create_user("kari@bedrift.no", "Kari", PASSWORD, verified=True)
        org = service.create_organization(owner, "Bedrift AS", "bedrift", "f@bedrift.no")
        invitation = invitations.invite(org, owner, "kari@bedrift.no", "member")
        invitation.token_hash = invitations._hash("the-link")
        db.session.commit()
        kari_id = kari.id
    first_accepted = threading.Event()

    def accept(first: bool) -> str:
        with app.test_request_context():
            if not first:
                first_accepted.wait(timeout=10)
            found = invitations.find_by_token("the-link")
            try:
                invitations.accept(found, db.session.get(User, kari_id))
            except invitations.InvitationProblem as exc:
                db.session.rollback()
                return exc.reason
            first_accepted.set()
            time.sleep(0.5)  # the second click reads the invitation before this commits
            db.session.commit()
            return "joined"

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(accept, (True, False)))
    assert answers == ["joined", "used"]
    with app.app_context():
        assert service.members_count(service.get_by_slug("bedrift")) == 2


def test_resending_an_expired_invitation_while_the_last_seat_is_taken_never_overfills(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner = accounts_service.create_user("sjef@bedrift.no", "Sara", PASSWORD, verified=True)
        org = service.create_organization(owner, "Bedrift AS", "bedrift", "f@bedrift.no")
        service.set_seat_limit(org, 2, None)
        old = invitations.invite(org, owner, "gammel@bedrift.no", "member")
        old.expires_at = utcnow() - timedelta(days=1)  # its seat is free again
        db.session.commit()
        owner_id, old_id = owner.id, old.id
    invited = threading.Event()

    def invite() -> None:
        with app.test_request_context():
            bedrift = service.get_by_slug("bedrift")
            invitations.invite(bedrift, db.session.get(User, owner_id), "ny@bedrift.no", "member")
            invited.set()
            time.sleep(0.5)  # the resend reads the free seats before this commits
            db.session.commit()

    def resend() -> str:
        invited.wait(timeout=10)
        with app.test_request_context():
            bedrift = service.get_by_slug("bedrift")
            scoping.use_org(bedrift)
            found = Invitation.get_for_org_or_404(bedrift, old_id)
            try:
                invitations.resend(bedrift, db.session.get(User, owner_id), found)
            except OrgError as exc:
                db.session.rollback()
                return str(exc)
            db.session.commit()
            return "resent"

    with ThreadPoolExecutor(max_workers=2) as pool:
        inviting = pool.submit(invite)
        answer = pool.submit(resend).result(timeout=30)
        inviting.result(timeout=30)
    assert answer == "Alle plassene er i bruk."
    with app.app_context():
        assert service.seats_used(service.get_by_slug("bedrift")) == 2


def test_two_admins_inviting_the_same_address_at_once_make_one_invitation(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner = accounts_service.create_user("sjef@bedrift.no", "Sara", PASSWORD, verified=True)
        service.create_organization(owner, "Bedrift AS", "bedrift", "f@bedrift.no")
        db.session.commit()
        owner_id = owner.id
    first_invited = threading.Event()

    def invite(first: bool) -> str:
        with app.test_request_context():
            if not first:
                first_invited.wait(timeout=10)
            bedrift = service.get_by_slug("bedrift")
            try:
                invitations.invite(
                    bedrift, db.session.get(User, owner_id), "ny@bedrift.no", "member"
                )
            except OrgError as exc:
                db.session.rollback()
                return str(exc)
            first_invited.set()
            time.sleep(0.5)  # the second reads the pending invitations before this commits
            db.session.commit()
            return "invited"

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(invite, (True, False)))
    assert answers[0] == "invited" and "allerede invitert" in answers[1]
    with app.app_context():
        assert len(invitations.pending(service.get_by_slug("bedrift"))) == 1


def test_a_domain_added_twice_at_once_is_added_once_with_a_clear_answer(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner = accounts_service.create_user("sjef@bedrift.no", "Sara", PASSWORD, verified=True)
        service.create_organization(owner, "Bedrift AS", "bedrift", "f@bedrift.no")
        db.session.commit()
        owner_id = owner.id
    first_added = threading.Event()

    def add(first: bool) -> str:
        with app.test_request_context():
            if not first:
                first_added.wait(timeout=10)
            bedrift = service.get_by_slug("bedrift")
            try:
                domains.add_domain(bedrift, db.session.get(User, owner_id), "bedrift.no")
            except OrgError as exc:
                db.session.rollback()
                return str(exc)
            first_added.set()
            time.sleep(0.5)  # the second reads the domains before this commits
            db.session.commit()
            return "added"

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(add, (True, False)))
    assert answers[0] == "added" and "allerede lagt til" in answers[1]


def test_one_address_taken_twice_at_once_makes_one_organisation_and_a_clear_answer(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        ids = [
            accounts_service.create_user(f"{n}@bedrift.no", n, PASSWORD, verified=True).id
            for n in ("sara", "per")
        ]
        db.session.commit()
    first_created = threading.Event()

    def create(user_id: int) -> str:
        first = user_id == ids[0]
        with app.test_request_context():
            if not first:
                first_created.wait(timeout=10)
            try:
                service.create_organization(
                    db.session.get(User, user_id), "Bedrift AS", "bedrift", "f@bedrift.no"
                )
            except OrgError as exc:
                db.session.rollback()
                return str(exc)
            if first:
                first_created.set()
                time.sleep(0.5)  # the second checks the address before this commits
            db.session.commit()
            return "created"

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(create, ids))
    assert answers[0] == "created" and "allerede i bruk" in answers[1]

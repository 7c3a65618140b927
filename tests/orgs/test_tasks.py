"""Organisation work with real commits: a Celery worker (Redis broker), concurrent writers."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
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
from tests.support.concurrency import race
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
    assert response.status_code == 303
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
        owner, org = _bedrift(seats=3)
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


def _bedrift(seats: int | None = None) -> tuple[User, Organization]:
    """An owner and their organisation "bedrift", committed (for tests with threads)."""
    owner = accounts_service.create_user("sjef@bedrift.no", "Sara", PASSWORD, verified=True)
    org = service.create_organization(owner, "Bedrift AS", "bedrift", "f@bedrift.no")
    if seats is not None:
        service.set_seat_limit(org, seats, None)
    return owner, org


def _owner(owner_id: int) -> User:
    return db.session.get(User, owner_id)


def test_an_invitation_accepted_twice_at_once_makes_one_member_and_a_clear_answer(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner, org = _bedrift()
        kari = accounts_service.create_user("kari@bedrift.no", "Kari", PASSWORD, verified=True)
        invitation = invitations.invite(org, owner, "kari@bedrift.no", "member")
        invitation.token_hash = invitations._hash("the-link")
        db.session.commit()
        kari_id = kari.id

    def accept() -> None:
        invitations.accept(invitations.find_by_token("the-link"), db.session.get(User, kari_id))

    answers = race(app, accept, accept, (invitations.InvitationProblem,))
    assert answers == ["ok", "used"]
    with app.app_context():
        assert service.members_count(service.get_by_slug("bedrift")) == 2


def test_resending_an_expired_invitation_while_the_last_seat_is_taken_never_overfills(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner, org = _bedrift(seats=2)
        old = invitations.invite(org, owner, "gammel@bedrift.no", "member")
        old.expires_at = utcnow() - timedelta(days=1)  # its seat is free again
        db.session.commit()
        owner_id, old_id = owner.id, old.id

    def invite() -> None:
        invitations.invite(
            service.get_by_slug("bedrift"), _owner(owner_id), "ny@bedrift.no", "member"
        )

    def resend() -> None:
        bedrift = service.get_by_slug("bedrift")
        scoping.use_org(bedrift)
        found = Invitation.get_for_org_or_404(bedrift, old_id)
        invitations.resend(bedrift, _owner(owner_id), found)

    assert race(app, invite, resend, (OrgError,)) == ["ok", "Alle plassene er i bruk."]
    with app.app_context():
        assert service.seats_used(service.get_by_slug("bedrift")) == 2


def test_two_admins_inviting_the_same_address_at_once_make_one_invitation(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner, _org = _bedrift()
        db.session.commit()
        owner_id = owner.id

    def invite() -> None:
        invitations.invite(
            service.get_by_slug("bedrift"), _owner(owner_id), "ny@bedrift.no", "member"
        )

    answers = race(app, invite, invite, (OrgError,))
    assert answers[0] == "ok" and "allerede invitert" in answers[1]
    with app.app_context():
        assert len(invitations.pending(service.get_by_slug("bedrift"))) == 1


def test_a_domain_added_twice_at_once_is_added_once_with_a_clear_answer(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        owner, _org = _bedrift()
        db.session.commit()
        owner_id = owner.id

    def add() -> None:
        domains.add_domain(service.get_by_slug("bedrift"), _owner(owner_id), "bedrift.no")

    answers = race(app, add, add, (OrgError,))
    assert answers[0] == "ok" and "allerede lagt til" in answers[1]


def test_one_address_taken_twice_at_once_makes_one_organisation_and_a_clear_answer(
    committed_app: Flask,
) -> None:
    app = committed_app
    with app.app_context():
        sara, per = (
            accounts_service.create_user(f"{n}@bedrift.no", n, PASSWORD, verified=True).id
            for n in ("sara", "per")
        )
        db.session.commit()

    def create_as(user_id: int) -> Callable[[], object]:
        return lambda: service.create_organization(
            db.session.get(User, user_id), "Bedrift AS", "bedrift", "f@bedrift.no"
        )

    answers = race(app, create_as(sara), create_as(per), (OrgError,))
    assert answers[0] == "ok" and "allerede i bruk" in answers[1]

"""The outbox: work leaves only after commit, exactly once, and survives a broker outage."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from portal.extensions import db
from portal.mail import service as mail
from portal.outbox import service as outbox
from portal.outbox.models import DONE, FAILED, PENDING, RUNNING, OutboxItem
from tests.support.database import ThrowawayDatabase, terminate_backends
from tests.support.services import SmtpSink, body_text


def queue_welcome(key: str, to: str = "lise@example.org") -> None:
    mail.queue(to, "test_notice", "nb", key, headline="Hei Lise")


@pytest.fixture
def smtp_app(make_app, smtp_sink: SmtpSink) -> Flask:
    return make_app(MAIL_URL=smtp_sink.url)


def items() -> list[OutboxItem]:
    return list(db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_a_rolled_back_transaction_sends_nothing(
    app: Flask, smtp_app: Flask, smtp_sink: SmtpSink
) -> None:
    with smtp_app.app_context():
        queue_welcome("rollback-1")
        db.session.rollback()
        assert items() == []
        # The same work in a transaction that commits does go out.
        queue_welcome("commit-1")
        db.session.commit()
        smtp_sink.wait_for_mail("lise@example.org")
        assert [i.status for i in items()] == [DONE]
        db.session.query(OutboxItem).delete()
        db.session.commit()


def test_the_same_key_queues_one_mail(
    committed_app: Flask, smtp_app: Flask, smtp_sink: SmtpSink
) -> None:
    with smtp_app.app_context():
        queue_welcome("same-key")
        queue_welcome("same-key")
        db.session.commit()
        queue_welcome("same-key")
        db.session.commit()
        smtp_sink.wait_for_mail("lise@example.org")
        time.sleep(0.3)
        assert len(smtp_sink.to("lise@example.org")) == 1
        assert len(items()) == 1


def test_mail_is_composed_in_the_recipients_language(
    committed_app: Flask, smtp_app: Flask, smtp_sink: SmtpSink
) -> None:
    with smtp_app.app_context():
        mail.queue("en@example.org", "test_notice", "en", "lang-en", headline="Hi")
        mail.queue("nb@example.org", "test_notice", "nb", "lang-nb", headline="Hei")
        db.session.commit()
    english = smtp_sink.wait_for_mail("en@example.org")[0]
    norwegian = smtp_sink.wait_for_mail("nb@example.org")[0]
    assert english["Subject"] == "A message from Veivalg"
    assert norwegian["Subject"] == "En melding fra Veivalg"
    assert "Hi" in body_text(english) and english["Content-Language"] == "en"
    assert english.get_body(preferencelist=("html",)) is not None


def test_transient_smtp_failure_stays_pending_and_is_sent_later(
    committed_app: Flask, smtp_app: Flask, smtp_sink: SmtpSink
) -> None:
    smtp_sink.reject_code = 451
    with smtp_app.app_context():
        queue_welcome("transient")
        db.session.commit()
        item = items()[0]
        assert item.status == PENDING and item.attempts == 1
        assert "451" in (item.last_error or "")
        smtp_sink.reject_code = None
        # Not before its back-off has passed, then once.
        assert outbox.redispatch_pending(older_than=timedelta(0)) == 0
        later = outbox.utcnow() + outbox.backoff(1)
        assert outbox.redispatch_pending(older_than=timedelta(0), now=later) == 1
        smtp_sink.wait_for_mail("lise@example.org")
        db.session.expire_all()
        assert items()[0].status == DONE


def test_permanent_smtp_failure_is_recorded_and_not_retried(
    committed_app: Flask, smtp_app: Flask, smtp_sink: SmtpSink
) -> None:
    smtp_sink.reject_code = 550
    with smtp_app.app_context():
        queue_welcome("permanent")
        db.session.commit()
        item = items()[0]
        assert item.status == FAILED and "550" in (item.last_error or "")
        smtp_sink.reject_code = None
        outbox.dispatch([item.id])
        assert smtp_sink.to("lise@example.org") == []


def test_file_transport_writes_eml_files(make_app, committed_app: Flask, tmp_path: Path) -> None:
    app = make_app(MAIL_URL=f"file://{tmp_path / 'mail'}")
    with app.app_context():
        queue_welcome("file-1")
        db.session.commit()
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    assert "Hei Lise" in files[0].read_text()


def test_unknown_handler_is_a_permanent_failure(committed_app: Flask) -> None:
    with committed_app.app_context():
        item = outbox.add("os:system", {"cmd": "true"}, key="evil")
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(OutboxItem, item.id).status == FAILED


def test_prune_removes_old_finished_items_but_never_pending_ones(app: Flask) -> None:
    old = outbox.utcnow() - timedelta(days=40)
    for key, status in (("old-done", DONE), ("old-failed", FAILED), ("old-pending", PENDING)):
        db.session.add(
            OutboxItem(
                handler=mail.HANDLER,
                payload={},
                idempotency_key=key,
                status=status,
                created_at=old,
                finished_at=old if status != PENDING else None,
            )
        )
    db.session.add(
        OutboxItem(
            handler=mail.HANDLER,
            payload={},
            idempotency_key="new-done",
            status=DONE,
            finished_at=outbox.utcnow(),
        )
    )
    db.session.flush()
    assert outbox.prune_finished() == 2
    assert sorted(i.idempotency_key for i in items()) == ["new-done", "old-pending"]


def _write_then_fail(error: type[Exception]) -> object:
    def handler(payload: dict) -> None:
        db.session.add(OutboxItem(handler=mail.HANDLER, payload={}, idempotency_key="half-done"))
        db.session.flush()
        raise error("the service is down")

    return handler


@pytest.mark.parametrize("error", [outbox.TransientError, outbox.PermanentError])
def test_a_failed_attempt_keeps_none_of_the_handlers_writes(
    app: Flask, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    monkeypatch.setattr(outbox, "_half_done_handler", _write_then_fail(error), raising=False)
    # Added directly: no after-commit hand-over runs the item a second time.
    item = OutboxItem(
        handler="portal.outbox.service:_half_done_handler",
        payload={},
        idempotency_key="fails-midway",
    )
    db.session.add(item)
    db.session.flush()
    expected = PENDING if error is outbox.TransientError else FAILED
    assert outbox.run(item.id) == expected
    db.session.expire_all()
    assert [i.idempotency_key for i in items()] == ["fails-midway"]
    recorded = items()[0]
    assert recorded.attempts == 1 and "down" in (recorded.last_error or "")
    assert recorded.status == (PENDING if error is outbox.TransientError else FAILED)


def test_a_line_break_in_a_name_cannot_break_the_subject(app: Flask) -> None:
    with app.test_request_context():
        subject, text, html = mail.compose(
            "orgs_invitation",
            "nb",
            org_name="Acme\r\nBcc: evil@example.org",
            inviter_name="Sara",
            role="member",
            link="http://veivalg.test/orgs/invitations/x",
            expires_at=outbox.utcnow(),
        )
    assert "\n" not in subject and "\r" not in subject
    message = mail.build_message(
        {"to": "kari@example.org", "subject": subject, "text": text, "html": html}
    )
    assert message["Bcc"] is None
    assert "Acme Bcc: evil@example.org" in message["Subject"]


def test_an_unexpected_handler_error_is_recorded_and_retried_like_a_transient_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "_buggy_handler", _write_then_fail(KeyError), raising=False)
    item = OutboxItem(
        handler="portal.outbox.service:_buggy_handler", payload={}, idempotency_key="buggy"
    )
    db.session.add(item)
    db.session.flush()
    assert outbox.run(item.id) == PENDING
    db.session.expire_all()
    [recorded] = items()
    assert recorded.status == PENDING and recorded.attempts == 1
    assert "KeyError" in (recorded.last_error or "")


def test_a_long_outage_loses_nothing_and_only_max_attempts_fail_an_item(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        outbox, "_down_handler", _write_then_fail(outbox.TransientError), raising=False
    )
    item = OutboxItem(
        handler="portal.outbox.service:_down_handler", payload={}, idempotency_key="long-outage"
    )
    db.session.add(item)
    db.session.flush()
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        assert outbox.run(item.id) == PENDING
        # The sweep waits at least 30 s and at most an hour between attempts.
        assert timedelta(seconds=30) <= outbox.backoff(attempt) <= timedelta(hours=1)
    assert outbox.run(item.id) == FAILED
    db.session.expire_all()
    assert items()[0].attempts == outbox.MAX_ATTEMPTS
    total = sum((outbox.backoff(n) for n in range(1, outbox.MAX_ATTEMPTS)), timedelta())
    assert total > timedelta(days=2)


def test_items_in_back_off_do_not_starve_the_ones_that_are_due(app: Flask) -> None:
    now = outbox.utcnow()
    payload = {"to": "x@example.org", "subject": "s", "text": "t", "html": "<p>t</p>"}
    for n in range(3):  # just tried, still waiting
        db.session.add(
            OutboxItem(
                handler=mail.HANDLER,
                payload=payload,
                attempts=3,
                idempotency_key=f"waiting-{n}",
                dispatched_at=now,
                created_at=now - timedelta(hours=1),
            )
        )
    db.session.add(
        OutboxItem(
            handler=mail.HANDLER,
            payload=payload,
            attempts=1,
            idempotency_key="due",
            created_at=now - timedelta(hours=1),
            dispatched_at=now - timedelta(minutes=10),
        )
    )
    db.session.flush()
    assert outbox.redispatch_pending(older_than=timedelta(0), limit=2, now=now) == 1
    db.session.expire_all()
    statuses = {i.idempotency_key: i.status for i in items()}
    assert statuses["due"] == DONE and statuses["waiting-0"] == PENDING


def test_a_connection_lost_after_smtp_accepted_the_mail_does_not_send_it_again(
    committed_app: Flask, smtp_app: Flask, smtp_sink: SmtpSink, database: ThrowawayDatabase
) -> None:
    # The fault run: PostgreSQL drops the worker's connections while SMTP says 250.
    smtp_sink.on_accept = lambda: terminate_backends(database.name)
    with smtp_app.app_context():
        queue_welcome("killed-after-smtp")
        db.session.commit()  # runs the item in-process (no Redis)
        smtp_sink.on_accept = None
        db.session.rollback()
        later = outbox.utcnow() + timedelta(days=1)
        outbox.redispatch_pending(older_than=timedelta(0), now=later)
        [item] = items()
    [sent] = smtp_sink.to("lise@example.org")
    assert (item.status, item.attempts) == (DONE, 1)
    assert sent["Message-ID"] == item.payload["message_id"]


def _kill_own_connection(database: ThrowawayDatabase, write: bool) -> object:
    calls: list[dict] = []

    def handler(payload: dict) -> None:
        calls.append(payload)
        if write:
            db.session.add(OutboxItem(handler=mail.HANDLER, payload={}, idempotency_key="written"))
            db.session.flush()
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        terminate_backends(database.name, pid)

    handler.calls = calls  # type: ignore[attr-defined]
    return handler


@pytest.mark.parametrize("outside", [True, False], ids=["outside-database", "database-work"])
def test_a_connection_lost_while_marking_done_is_retried_not_rerun(
    committed_app: Flask,
    database: ThrowawayDatabase,
    monkeypatch: pytest.MonkeyPatch,
    outside: bool,
) -> None:
    handler = _kill_own_connection(database, write=not outside)
    if outside:
        handler = outbox.outside_database(handler)
    monkeypatch.setattr(outbox, "_dying_handler", handler, raising=False)
    item = OutboxItem(
        handler="portal.outbox.service:_dying_handler", payload={}, idempotency_key="dying"
    )
    db.session.add(item)
    db.session.commit()
    item_id = item.id
    if outside:
        # Its work is done once it returned: marked done on a fresh connection.
        assert outbox.run(item_id) == DONE
        assert len(handler.calls) == 1
    else:
        # Its writes went with the connection: pending, and the next run does them once.
        assert outbox.run(item_id) == PENDING
        assert (
            db.session.scalar(select(OutboxItem).where(OutboxItem.idempotency_key == "written"))
            is None
        )
        monkeypatch.setattr(outbox, "_dying_handler", _write_once(), raising=False)
        assert outbox.run(item_id) == DONE
        assert [i.idempotency_key for i in items()] == ["dying", "written"]
    recorded = db.session.get(OutboxItem, item_id)
    db.session.refresh(recorded)
    assert recorded.status == DONE


def _write_once() -> object:
    def handler(payload: dict) -> None:
        db.session.add(OutboxItem(handler=mail.HANDLER, payload={}, idempotency_key="written"))
        db.session.flush()

    return handler


def test_a_claimed_item_is_not_run_by_a_second_worker_until_its_lease_ends(app: Flask) -> None:
    payload = {"to": "x@example.org", "subject": "s", "text": "t", "html": "<p>t</p>"}
    now = outbox.utcnow()
    item = OutboxItem(
        handler=mail.HANDLER,
        payload=payload,
        idempotency_key="claimed",
        status=RUNNING,
        attempts=1,
        created_at=now - timedelta(hours=1),
        dispatched_at=now - timedelta(minutes=1),
    )
    db.session.add(item)
    db.session.commit()  # the test's transaction still rolls it back afterwards
    assert outbox.run(item.id) == RUNNING
    assert outbox.redispatch_pending(older_than=timedelta(0), now=now) == 0
    # Its worker died: after the lease the sweep hands it over again (the documented window).
    later = now + outbox.CLAIM_LEASE
    assert outbox.redispatch_pending(older_than=timedelta(0), now=later) == 1
    db.session.expire_all()
    assert (items()[0].status, items()[0].attempts) == (DONE, 2)

"""Add work to the outbox inside a transaction, and hand it to Celery after commit."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from portal.disconnects import is_disconnect
from portal.extensions import db, listen_once
from portal.outbox.models import DONE, FAILED, PENDING, RUNNING, OutboxItem
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

RUN_TASK = "outbox.run"
_SESSION_KEY = "outbox_after_commit"


class PermanentError(Exception):
    """A handler failure that retrying cannot fix; the item is marked failed."""


class TransientError(Exception):
    """A handler failure worth retrying later (network, a service down)."""


def add(handler: str, payload: dict[str, Any], key: str) -> OutboxItem:
    """Record work in the current transaction; it is dispatched only if that transaction commits.

    The idempotency key is unique: adding the same key twice returns the existing item,
    so a retried request never queues the same work twice.
    """
    existing = db.session.scalar(select(OutboxItem).where(OutboxItem.idempotency_key == key))
    if existing is not None:
        return existing
    item = OutboxItem(handler=handler, payload=payload, idempotency_key=key)
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        # A concurrent transaction added the same key first.
        existing = db.session.scalar(select(OutboxItem).where(OutboxItem.idempotency_key == key))
        if existing is None:
            raise
        return existing
    db.session.info.setdefault(_SESSION_KEY, []).append(item.id)
    return item


def _dispatch_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        # A SAVEPOINT was released; the outer transaction has not committed yet.
        return
    ids = session.info.pop(_SESSION_KEY, None)
    if ids:
        dispatch(ids)


def _forget_after_rollback(session: Session) -> None:
    if session.get_nested_transaction() is None:
        session.info.pop(_SESSION_KEY, None)


def install() -> None:
    """Hand the transaction's items over after commit, forget them after rollback
    (create_app calls this once)."""
    listen_once(Session, "after_commit", _dispatch_after_commit)
    listen_once(Session, "after_rollback", _forget_after_rollback)


_broker_down_until = 0.0


def dispatch(ids: Iterable[int]) -> int:
    """Hand items to Celery; never raise and never block long when the broker is down.

    Whatever cannot be handed over stays pending and the beat task picks it up.
    Returns the number of items handed over.
    """
    global _broker_down_until
    celery = current_app.extensions["celery"]
    if not celery.conf.task_always_eager and time.monotonic() < _broker_down_until:
        return 0
    sent = 0
    for item_id in ids:
        try:
            celery.signature(RUN_TASK, args=[item_id]).apply_async()
            sent += 1
        except Exception as exc:  # noqa: BLE001 - any broker failure leaves the item pending
            if celery.conf.task_always_eager:
                log.exception("outbox item %s failed in-process", item_id)
                continue
            _broker_down_until = time.monotonic() + 5
            log.warning("broker unavailable, outbox item %s left for beat: %s", item_id, exc)
            break
    return sent


def reset_broker_state() -> None:
    """Forget a remembered broker outage (tests, and after beat proves the broker is back)."""
    global _broker_down_until
    _broker_down_until = 0.0


# After this many failed attempts (back-off up to an hour: about two days) an item is failed.
MAX_ATTEMPTS = 60


def backoff(attempts: int) -> timedelta:
    """How long an item waits after its last hand-over before it is handed over again."""
    return timedelta(seconds=min(3600, 15 * 2 ** max(1, attempts)))


def redispatch_pending(
    older_than: timedelta | None = None, limit: int = 500, now: datetime | None = None
) -> int:
    """Hand over again every pending item older than the given age whose back-off has passed.

    This is the only retry mechanism: a failed attempt leaves the item pending with its
    error, and the beat sweep hands it over again after backoff(attempts); nothing is
    dropped however long SMTP, Stripe or a worker is away. Returns how many were sent.
    """
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["OUTBOX_REDISPATCH_AFTER"])
    now = now or utcnow()
    release_abandoned(now)
    candidates = db.session.execute(
        select(OutboxItem.id, OutboxItem.attempts, OutboxItem.dispatched_at)
        .where(OutboxItem.status == PENDING, OutboxItem.created_at <= now - older_than)
        # Longest-waiting first, so items still in back-off never starve the ones that are due.
        .order_by(OutboxItem.dispatched_at.asc().nulls_first(), OutboxItem.id)
        .limit(limit)
    ).all()
    due = [
        item_id
        for item_id, attempts, last in candidates
        if last is None or last + backoff(attempts) <= now
    ]
    if due:
        # Remember the hand-over, so a long worker outage does not pile up copies.
        db.session.execute(
            update(OutboxItem).where(OutboxItem.id.in_(due)).values(dispatched_at=now)
        )
    db.session.commit()
    reset_broker_state()
    return dispatch(due)


def prune_finished(older_than: timedelta | None = None) -> int:
    """Delete done and failed items older than the retention period (they hold mail text).

    Pending items are never pruned: they are work still owed.
    """
    if older_than is None:
        older_than = timedelta(days=current_app.config["OUTBOX_RETENTION_DAYS"])
    cutoff = utcnow() - older_than
    result = db.session.execute(
        delete(OutboxItem).where(
            OutboxItem.status.in_((DONE, FAILED)), OutboxItem.finished_at < cutoff
        )
    )
    return result.rowcount or 0


def _resolve(handler: str) -> Callable[[dict[str, Any]], None]:
    module_name, _, func_name = handler.partition(":")
    if not module_name.startswith("portal.") or not func_name:
        raise PermanentError(f"handler {handler!r} is not a portal function")
    return getattr(importlib.import_module(module_name), func_name)


def outside_database(handler: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Mark a handler whose work happens outside the database (an e-mail through SMTP).

    Once such a handler has returned, its work is done even if the database connection is
    lost before the item is marked: run() then marks it done on a fresh connection instead
    of leaving it to be done again. A handler whose work is its database writes must not
    be marked: if those writes are lost, running it again is what is wanted.
    """
    handler.outbox_outside_database = True  # type: ignore[attr-defined]
    return handler


# A claimed item whose worker has recorded nothing for this long (above the task's hard time
# limit) is taken to be abandoned (the worker died) and the sweep makes it pending again.
CLAIM_LEASE = timedelta(minutes=10)
# Attempts at recording an outcome on a fresh connection after the connection was lost.
RECORD_ATTEMPTS = 4


def run(item_id: int) -> str:
    """Run one item at most once per claim, and never again once its handler has succeeded.

    Three short steps: claim the item (lock it with SKIP LOCKED, check it is pending, mark it
    running and count the attempt) and commit; run the handler in a transaction of its own;
    record the outcome. A lost connection while recording is retried on a fresh connection,
    so a mail that SMTP accepted is marked done rather than sent again. Returns the status.

    A transient failure (or an unexpected error) leaves the item pending with its error for
    the beat sweep to hand over after its back-off, and fails it after MAX_ATTEMPTS. Where
    a duplicate is still possible (the process dies between the handler's success and the
    record) is described in docs/operations.md; a mail keeps its Message-ID then.
    """
    claimed = _claim(item_id)
    if isinstance(claimed, str):
        return claimed
    handler, payload, attempt = claimed
    try:
        func = _resolve(handler)
        func(payload)
    except TransientError as exc:
        return _after_failure(item_id, attempt, str(exc), permanent=False)
    except PermanentError as exc:
        log.error("outbox item %s failed permanently: %s", item_id, exc)
        return _after_failure(item_id, attempt, str(exc), permanent=True)
    except Exception as exc:
        # A handler bug or a database hiccup (a deadlock): recorded, and retried with back-off
        # like a transient failure, instead of being re-run unrecorded by every sweep.
        log.exception("outbox item %s failed unexpectedly", item_id)
        return _after_failure(item_id, attempt, f"{type(exc).__name__}: {exc}", permanent=False)
    try:
        # The handler's own writes and the mark commit together.
        _set_outcome(item_id, attempt, DONE, None)
        db.session.commit()
    except DBAPIError as exc:
        if not is_disconnect(exc):
            raise
        db.session.rollback()
        log.warning("outbox item %s: connection lost while marking it done", item_id)
        outside = getattr(func, "outbox_outside_database", False)
        # Outside work happened: mark it done. Database work went with the connection:
        # make the item pending so it runs again (its writes were not committed).
        error = None if outside else "connection lost before the handler's writes committed"
        return _record(item_id, attempt, DONE if outside else PENDING, error)
    return DONE


def _claim(item_id: int) -> tuple[str, dict[str, Any], int] | str:
    item = db.session.scalar(
        select(OutboxItem).where(OutboxItem.id == item_id).with_for_update(skip_locked=True)
    )
    if item is None:
        db.session.rollback()
        return "locked-or-missing"
    if item.status != PENDING:
        status = item.status
        db.session.rollback()
        return status
    item.status = RUNNING
    item.attempts += 1
    item.dispatched_at = utcnow()
    claimed = (item.handler, dict(item.payload or {}), item.attempts)
    db.session.commit()
    return claimed


def _set_outcome(item_id: int, attempt: int, status: str, error: str | None) -> int:
    # Only our own claim: an item the sweep has since released (and another worker claimed)
    # is not overwritten.
    values: dict[str, Any] = {"status": status, "last_error": error and error[:2000]}
    if status in (DONE, FAILED):
        values["finished_at"] = utcnow()
    result = db.session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.id == item_id,
            OutboxItem.status == RUNNING,
            OutboxItem.attempts == attempt,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _record(item_id: int, attempt: int, status: str, error: str | None) -> str:
    """Record an outcome in a short transaction, retried on a fresh connection when lost."""
    for tries in range(1, RECORD_ATTEMPTS + 1):
        try:
            changed = _set_outcome(item_id, attempt, status, error)
            db.session.commit()
            if not changed:
                # The lost commit had reached the server after all (or the claim was
                # released meanwhile): report what the row says.
                status = (
                    db.session.scalar(select(OutboxItem.status).where(OutboxItem.id == item_id))
                    or status
                )
                db.session.rollback()
            return status
        except DBAPIError as exc:
            db.session.rollback()
            if not is_disconnect(exc) or tries == RECORD_ATTEMPTS:
                raise
            log.warning("outbox item %s: connection lost recording %s, retrying", item_id, status)
            time.sleep(0.2 * tries)
    return status


def _after_failure(item_id: int, attempt: int, error: str, permanent: bool) -> str:
    # The failed attempt takes the handler's own writes with it; the count stays (claimed).
    db.session.rollback()
    status = FAILED if permanent or attempt >= MAX_ATTEMPTS else PENDING
    if status == FAILED and not permanent:
        log.error("outbox item %s failed after %s attempts: %s", item_id, attempt, error)
    return _record(item_id, attempt, status, error)


def release_abandoned(now: datetime | None = None) -> int:
    """Make pending again every item claimed longer ago than CLAIM_LEASE (its worker died).

    The handler may or may not have run: this is the one window where work can be done
    twice (docs/operations.md). Returns how many were released.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == RUNNING, OutboxItem.dispatched_at <= now - CLAIM_LEASE)
        .values(status=PENDING, last_error="abandoned: no outcome recorded by its worker")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0

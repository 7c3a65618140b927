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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.extensions import db, listen_once
from portal.outbox.models import DONE, FAILED, PENDING, OutboxItem
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


def run(item_id: int) -> str:
    """Run one item at most once: lock it, skip it if done, run its handler, record the outcome.

    Returns the item's status afterwards. A transient failure (or an unexpected error) leaves
    the item pending with its error for the beat sweep to hand over after its back-off, and
    fails it after MAX_ATTEMPTS; the lock (SKIP LOCKED on PostgreSQL) keeps two workers from
    running the same item at once.
    """
    item = db.session.scalar(
        select(OutboxItem).where(OutboxItem.id == item_id).with_for_update(skip_locked=True)
    )
    if item is None:
        db.session.rollback()
        return "locked-or-missing"
    if item.status != PENDING:
        db.session.rollback()
        return item.status
    item.attempts += 1
    item.dispatched_at = utcnow()
    try:
        # A failed attempt takes the handler's own writes with it (a SAVEPOINT), while the
        # item's lock and its attempt count stay: a retry starts from a clean slate.
        with db.session.begin_nested():
            _resolve(item.handler)(item.payload)
    except TransientError as exc:
        return _attempt_failed(item, str(exc))
    except PermanentError as exc:
        item.status = FAILED
        item.last_error = str(exc)[:2000]
        item.finished_at = utcnow()
        db.session.commit()
        log.error("outbox item %s failed permanently: %s", item_id, exc)
        return FAILED
    except Exception as exc:
        # A handler bug or a database hiccup (a deadlock): recorded, and retried with back-off
        # like a transient failure, instead of being re-run unrecorded by every sweep.
        log.exception("outbox item %s failed unexpectedly", item_id)
        return _attempt_failed(item, f"{type(exc).__name__}: {exc}")
    item.status = DONE
    item.finished_at = utcnow()
    item.last_error = None
    db.session.commit()
    return DONE


def _attempt_failed(item: OutboxItem, error: str) -> str:
    item.last_error = error[:2000]
    if item.attempts >= MAX_ATTEMPTS:
        item.status = FAILED
        item.finished_at = utcnow()
        log.error("outbox item %s failed after %s attempts: %s", item.id, item.attempts, error)
    db.session.commit()
    return item.status

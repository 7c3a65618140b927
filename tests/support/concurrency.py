"""Two requests at once: the first acts and holds its commit, the second acts meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from portal.extensions import db

HOLD_SECONDS = 0.5


def race(
    app: Flask,
    first: Callable[[], object],
    second: Callable[[], object],
    refused: tuple[type[Exception], ...],
) -> list[str]:
    """Run `first` in one request context and, once it has acted but before it commits,
    `second` in another. Each answers "ok", or the text of the refusal it raised (the
    exception's `reason` if it has one) after rolling back."""
    acted = threading.Event()

    def attempt(action: Callable[[], object], is_first: bool) -> str:
        with app.test_request_context():
            if not is_first:
                acted.wait(timeout=10)
            try:
                action()
            except refused as exc:
                db.session.rollback()
                return str(getattr(exc, "reason", None) or exc)
            finally:
                if is_first:
                    acted.set()
            if is_first:
                time.sleep(HOLD_SECONDS)  # the second reads the rows before this commits
            db.session.commit()
            return "ok"

    with ThreadPoolExecutor(max_workers=2) as pool:
        holding = pool.submit(attempt, first, True)
        answer = pool.submit(attempt, second, False).result(timeout=30)
        return [holding.result(timeout=30), answer]

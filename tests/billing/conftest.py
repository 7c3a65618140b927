"""Billing fixtures: the Stripe emulator (localstripe plus stand-ins) and a Stripe-enabled app."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.billing import plans
from portal.extensions import db
from tests.billing.helpers import API_KEY, WEBHOOK_SECRET, StripeSide
from tests.support.services import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def stripe_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeSide]:
    port = free_port()
    log = (tmp_path_factory.mktemp("stripe") / "emulator.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.billing.stripe_emulator", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    side = StripeSide(f"http://127.0.0.1:{port}")

    def answers() -> bool:
        try:
            side.recorded("/")
        except OSError:
            return False
        return True

    wait_for(answers, timeout=20)
    yield side
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def stripe_settings(side: StripeSide) -> dict[str, Any]:
    return {
        "STRIPE_SECRET_KEY": API_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": side.url,
    }


@pytest.fixture
def stripe_side(stripe_emulator: StripeSide) -> StripeSide:
    stripe_emulator.flush()
    return stripe_emulator


@pytest.fixture
def stripe_on(app: Flask, stripe_side: StripeSide) -> Iterator[StripeSide]:
    """Stripe configured for the app (emulator, test key, webhook secret), plans synced."""
    saved = {k: app.config.get(k) for k in stripe_settings(stripe_side)}
    app.config.update(stripe_settings(stripe_side))
    plans.sync_to_stripe()
    try:
        yield stripe_side
    finally:
        app.config.update(saved)


@pytest.fixture
def stripe_committed(committed_app: Flask, stripe_side: StripeSide) -> Iterator[StripeSide]:
    """The same for tests with real commits (worker, live server)."""
    saved = {k: committed_app.config.get(k) for k in stripe_settings(stripe_side)}
    committed_app.config.update(stripe_settings(stripe_side))
    plans.sync_to_stripe()
    db.session.commit()
    try:
        yield stripe_side
    finally:
        committed_app.config.update(saved)

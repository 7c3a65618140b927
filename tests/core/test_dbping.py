"""The pool pings a connection before use, except on safe reads (those are run again)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from portal.extensions import db
from tests.support.database import ThrowawayDatabase, terminate_backends


def test_work_outside_a_read_gets_a_live_connection_after_a_restart(
    committed_app: Flask, database: ThrowawayDatabase
) -> None:
    assert db.session.execute(text("SELECT 1")).scalar_one() == 1
    db.session.close()  # back to the pool, then killed there
    assert terminate_backends(database.name) >= 1
    # A task or a form post: the ping finds the dead connection and the pool makes a new one.
    assert db.session.execute(text("SELECT 2")).scalar_one() == 2

"""The embedded default's SQLite connection settings, installed by create_app."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from portal.extensions import listen_once


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets readers and a writer work together; wait instead of failing; enforce FKs.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def install() -> None:
    """Every new SQLite connection gets the pragmas (PostgreSQL connections are left alone)."""
    listen_once(Engine, "connect", _sqlite_pragmas)

"""A throwaway PostgreSQL database per test run (and per xdist worker), migrated to head."""

from __future__ import annotations

import contextlib
import os
import uuid

import psycopg
from psycopg import sql

ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
APP_ROLE = "veivalg_test_app"
APP_PASSWORD = "veivalg-test-app"  # noqa: S105 - a local throwaway role


def _dsn_for(dbname: str, user: str, password: str | None = None) -> str:
    base = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    base.update(dbname=dbname, user=user)
    if password:
        base["password"] = password
    return psycopg.conninfo.make_conninfo(**base)


def sqlalchemy_url(dsn: str) -> str:
    parts = psycopg.conninfo.conninfo_to_dict(dsn)
    auth = parts["user"] + (f":{parts['password']}" if parts.get("password") else "")
    return (
        f"postgresql+psycopg://{auth}@{parts.get('host', '127.0.0.1')}:"
        f"{parts.get('port', 5432)}/{parts['dbname']}"
    )


def ensure_app_role() -> None:
    """The runtime role of the tests: LOGIN, not superuser, no BYPASSRLS, owns nothing."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
        if not exists:
            # Another xdist worker may create it first: on a fresh cluster the race surfaces
            # as a unique violation on pg_authid rather than DuplicateObject.
            with contextlib.suppress(
                psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation
            ):
                conn.execute(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN PASSWORD {} "
                        "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                    ).format(sql.Identifier(APP_ROLE), sql.Literal(APP_PASSWORD))
                )


def terminate_backends(dbname: str, pid: int | None = None) -> int:
    """Kill the app role's connections to dbname (or the one with `pid`), as a failover would.

    Runs as the superuser: the app role may not terminate its own backends.
    """
    query = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = %s AND usename = %s AND pid <> pg_backend_pid()"
    )
    params: tuple[object, ...] = (dbname, APP_ROLE)
    if pid is not None:
        query += " AND pid = %s"
        params = (*params, pid)
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


class ThrowawayDatabase:
    def __init__(self, label: str) -> None:
        self.name = f"veivalg_test_{label}_{uuid.uuid4().hex[:8]}"

    def create(self) -> None:
        ensure_app_role()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                    sql.Identifier(self.name)
                )
            )
            conn.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                    sql.Identifier(self.name), sql.Identifier(APP_ROLE)
                )
            )

    def drop(self) -> None:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    @property
    def owner_dsn(self) -> str:
        return _dsn_for(self.name, psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)["user"])

    @property
    def app_dsn(self) -> str:
        return _dsn_for(self.name, APP_ROLE, APP_PASSWORD)

    @property
    def owner_url(self) -> str:
        return sqlalchemy_url(self.owner_dsn)

    @property
    def app_url(self) -> str:
        return sqlalchemy_url(self.app_dsn)

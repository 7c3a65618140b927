"""A PostgreSQL cluster of our own (initdb + pg_ctl on a free port), so a test may stop it."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from tests.support.database import APP_PASSWORD, APP_ROLE, sqlalchemy_url
from tests.support.services import free_port

BINDIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)


def bindir() -> Path | None:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH), or None."""
    for candidate in [*BINDIRS, str(Path(shutil.which("initdb") or "/nonexistent").parent)]:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


class PrivateCluster:
    """initdb takes about a second; the data lives in a temporary folder removed at the end.

    PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
    """

    def __init__(self, name: str = "veivalg") -> None:
        found = bindir()
        if found is None:
            raise FileNotFoundError("initdb and pg_ctl are not installed")
        self.bin = found
        self.port = free_port()
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix="veivalg-pg-"))
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def create_database(self) -> None:
        with psycopg.connect(self.dsn("postgres", "postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOBYPASSRLS").format(
                    sql.Identifier(APP_ROLE), sql.Literal(APP_PASSWORD)
                )
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def dsn(self, dbname: str, user: str, password: str | None = None) -> str:
        auth = user + (f":{password}" if password else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    @property
    def owner_url(self) -> str:
        return sqlalchemy_url(self.dsn(self.name, "postgres"))

    @property
    def app_url(self) -> str:
        return sqlalchemy_url(self.dsn(self.name, APP_ROLE, APP_PASSWORD))

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

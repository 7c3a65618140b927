"""Count the SQL statements a block of code sends (the N+1 and statement-budget tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Savepoints belong to the test harness; set_config to the tenancy layer (orgs, RLS).
_NOT_COUNTED = ("SAVEPOINT", "RELEASE", "ROLLBACK", "SELECT SET_CONFIG")


@contextmanager
def counting() -> Iterator[list[str]]:
    """Yield a list that collects every statement sent while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(_NOT_COUNTED):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)

"""Row-level security for tenant tables: the one policy every OrgScoped table gets, for migrations.

A migration that creates a tenant table calls `enable_tenant_rls("table")` after creating it (and
`disable_tenant_rls("table")` before dropping it). See docs/organisations.md for the settings.
"""

from __future__ import annotations

from alembic import op

# The runtime role sees a tenant row only when the transaction-local setting veivalg.org_id names
# its organisation, or when veivalg.system is 'on' (code paths marked with system_scope()).
ORG_MATCH = "org_id = NULLIF(current_setting('veivalg.org_id', true), '')::integer"
SYSTEM_ON = "current_setting('veivalg.system', true) = 'on'"


def _on_postgresql() -> bool:
    # SQLite (the embedded default) relies on the application's scoping alone.
    return op.get_bind().dialect.name == "postgresql"


def enable_tenant_rls(table: str) -> None:
    """Enable and force RLS on `table` with the standard tenant and system policies.

    FORCE makes the policies apply to the table's owner too, so a mistake in a migration run
    as the owner cannot read across tenants either. Grants to the runtime role are given to
    every table by migrations/env.py after each upgrade.
    """
    if not _on_postgresql():
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_tenant ON {table} USING ({ORG_MATCH}) WITH CHECK ({ORG_MATCH})"
    )
    op.execute(
        f"CREATE POLICY {table}_system ON {table} USING ({SYSTEM_ON}) WITH CHECK ({SYSTEM_ON})"
    )


def disable_tenant_rls(table: str) -> None:
    """Undo enable_tenant_rls (for a downgrade)."""
    if not _on_postgresql():
        return
    op.execute(f"DROP POLICY IF EXISTS {table}_system ON {table}")
    op.execute(f"DROP POLICY IF EXISTS {table}_tenant ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

"""force row-level security on the organisation tables (the owner obeys the policies too)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00

Databases migrated before portal/rls.py existed have RLS enabled but not forced on these tables;
new ones get FORCE from 0003 already (repeating it is harmless).
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TENANT_TABLES = ("memberships", "invitations", "org_domains", "org_audit_log")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")

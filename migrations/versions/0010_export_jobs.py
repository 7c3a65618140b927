"""exports: export_jobs (row-level secured)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:20:00

"""
from alembic import op
import sqlalchemy as sa

from portal.rls import disable_tenant_rls, enable_tenant_rls
import portal.timeutil

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workbook_id", sa.Integer(), nullable=True),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column("created_at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("started_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column("finished_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column("expires_at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("purged_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_export_jobs_org_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_export_jobs_requested_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_export_jobs_org_id_workbook_id", ["org_id", "workbook_id", "created_at"], unique=False)
        batch_op.create_index("ix_export_jobs_status_heartbeat_at", ["status", "heartbeat_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_jobs_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_jobs_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_jobs_requested_by_id"), ["requested_by_id"], unique=False)
    enable_tenant_rls("export_jobs")


def downgrade():
    disable_tenant_rls("export_jobs")
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_jobs_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_export_jobs_org_id"))
        batch_op.drop_index(batch_op.f("ix_export_jobs_expires_at"))
        batch_op.drop_index("ix_export_jobs_status_heartbeat_at")
        batch_op.drop_index("ix_export_jobs_org_id_workbook_id")
    op.drop_table("export_jobs")

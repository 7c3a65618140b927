"""organisations: organizations, memberships, invitations, org_domains, org_audit_log + RLS

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27 20:26:52.454903

"""
from alembic import op
import sqlalchemy as sa

from portal.rls import disable_tenant_rls, enable_tenant_rls
import portal.timeutil

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=9), nullable=True),
    sa.Column('billing_email', sa.String(length=254), nullable=False),
    sa.Column('seat_limit', sa.Integer(), nullable=False),
    sa.Column('trial_ends_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organizations_slug'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_deleted_at'), ['deleted_at'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('sent_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('expires_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_invitations_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_invitations_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_org_id'), ['org_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_memberships_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('org_id', 'user_id', name='uq_memberships_org_id_user_id')
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('org_audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_org_audit_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_org_audit_log_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_audit_log'))
    )
    with op.batch_alter_table('org_audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_audit_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_audit_log_org_id'), ['org_id'], unique=False)

    op.create_table('org_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_org_domains_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_org_domains_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_domains')),
    sa.UniqueConstraint('org_id', 'domain', name='uq_org_domains_org_id_domain')
    )
    with op.batch_alter_table('org_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_domains_domain'), ['domain'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_domains_org_id'), ['org_id'], unique=False)

    upgrade_row_level_security()


def downgrade():
    downgrade_row_level_security()
    with op.batch_alter_table('org_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_domains_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_domains_domain'))

    op.drop_table('org_domains')
    with op.batch_alter_table('org_audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_audit_log_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_audit_log_created_at'))

    op.drop_table('org_audit_log')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_org_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_org_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_email'))

    op.drop_table('invitations')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_deleted_at'))

    op.drop_table('organizations')


# Row-level security (PostgreSQL only; SQLite relies on the application's scoping alone).
# See docs/organisations.md and portal/rls.py: the standard tenant policy on each table, plus, for
# memberships only, a user's own rows (the header's organisation switcher).
TENANT_TABLES = ("memberships", "invitations", "org_domains", "org_audit_log")
OWN_ROW = "user_id = NULLIF(current_setting('veivalg.user_id', true), '')::integer"


def upgrade_row_level_security():
    for table in TENANT_TABLES:
        enable_tenant_rls(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE POLICY memberships_own ON memberships FOR SELECT USING ({OWN_ROW})")


def downgrade_row_level_security():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS memberships_own ON memberships")
    for table in TENANT_TABLES:
        disable_tenant_rls(table)

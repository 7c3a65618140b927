"""org trial claims: one organisation trial per person and per e-mail domain

Organisations created before this revision are not backfilled (docs/decisions.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:03:57.719779

"""
from alembic import op
import sqlalchemy as sa
import portal.timeutil

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('org_trial_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('email_domain', sa.String(length=253), nullable=True),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_org_trial_claims_org_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_org_trial_claims_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_trial_claims')),
    sa.UniqueConstraint('email_domain', name=op.f('uq_org_trial_claims_email_domain')),
    sa.UniqueConstraint('email_hash', name=op.f('uq_org_trial_claims_email_hash'))
    )
    with op.batch_alter_table('org_trial_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_trial_claims_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('org_trial_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_trial_claims_user_id'))

    op.drop_table('org_trial_claims')

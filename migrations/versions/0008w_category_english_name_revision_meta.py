"""category English name, revision metadata

Revision ID: 0008w
Revises: 0007
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0008w"
down_revision = "0007"
branch_labels = None
depends_on = None

# Copied, not imported: a migration must not change when the app code does.
_STANDARD = {
    "strategisk-planlegging": "Strategic planning",
    "ikt-strategi": "IT strategy",
    "digitalisering": "Digitalisation",
    "ledelse": "Leadership",
    "markedsforing": "Marketing",
}


def upgrade():
    with op.batch_alter_table("categories") as batch:
        batch.add_column(
            sa.Column("name_en", sa.String(length=120), nullable=False, server_default="")
        )
    with op.batch_alter_table("article_revisions") as batch:
        batch.add_column(sa.Column("meta", sa.JSON(), nullable=True))
    categories = sa.table("categories", sa.column("slug", sa.String), sa.column("name_en", sa.String))
    for slug, name in _STANDARD.items():
        op.execute(categories.update().where(categories.c.slug == slug).values(name_en=name))


def downgrade():
    with op.batch_alter_table("article_revisions") as batch:
        batch.drop_column("meta")
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("name_en")

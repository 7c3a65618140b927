"""a GIN index on the title + lede search vector, so a page of hits can be found from it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 07:00:00

Search ranks on `search_head` (title and lede, migration 0011). When enough articles match
on their title or lede to fill the page asked for, they are the page (they rank above every
other match), and the long vectors are not read for it (portal/content/search.py). Without
a pending list, as the other two search indexes (a bulk load would leave one the planner
avoids).
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_articles_search_head ON articles "
        "USING gin (search_head) WITH (fastupdate = off)"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search_head")

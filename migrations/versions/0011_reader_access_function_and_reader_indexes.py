"""the reader's access in one statement (a SQL function), a partial index for "les mer", GIN
indexes without a pending list, a title + lede vector to rank search hits on

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 12:20:00

`reader_access(user_id, at)` answers, for one user, everything a reader page needs to know
about them beyond the users row: paid access (grant, individual subscription, or a seat in an
organisation with trial, subscription or grant), the live organisations for the header switcher,
and whose payment failed. It mirrors portal/billing/entitlements.py and banner.py rule for rule
(tests/billing/test_reader_access.py compares them). PL/pgSQL, so each connection plans the
body once (a SQL-language function with SET clauses is planned on every call: 4.6 ms against
0.4 ms here). SECURITY DEFINER with a fixed search_path;
`veivalg.system` is set for the function's own duration only, since it reads memberships (a
tenant table under forced RLS) for the one user id it is given, never anyone else's rows.
PostgreSQL only: on SQLite the application asks the same questions as plain queries.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

LIVE = "('active', 'trialing', 'past_due')"

READER_ACCESS = f"""
CREATE OR REPLACE FUNCTION reader_access(p_user_id integer, p_at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET veivalg.system = 'on'
AS $$
BEGIN
RETURN (
WITH mine AS (
    SELECT m.id, m.role, o.id AS org_id, o.slug, o.name, o.trial_ends_at
    FROM memberships m JOIN organizations o ON o.id = m.org_id
    WHERE m.user_id = p_user_id AND o.deleted_at IS NULL
),
own_sub AS (
    SELECT s.status,
           s.status IN {LIVE} AND (NOT s.cancel_at_period_end OR s.current_period_end IS NULL
                                   OR p_at < s.current_period_end) AS grants
    FROM billing_subscriptions s
    WHERE s.user_id = p_user_id
    ORDER BY s.status IN {LIVE} DESC, s.updated_at DESC, s.id DESC
    LIMIT 1
),
org_state AS (
    SELECT mine.id, mine.role, mine.slug, mine.name,
           (mine.trial_ends_at IS NOT NULL AND p_at < mine.trial_ends_at)
           OR coalesce(sub.grants, false)
           OR EXISTS (
               SELECT 1 FROM complimentary_grants g
               WHERE g.org_id = mine.org_id AND g.revoked_at IS NULL AND g.starts_at <= p_at
                 AND (g.ends_at IS NULL OR p_at < g.ends_at)
           ) AS access,
           sub.status AS sub_status
    FROM mine
    LEFT JOIN LATERAL (
        SELECT s.status,
               s.status IN {LIVE} AND (NOT s.cancel_at_period_end
                                       OR s.current_period_end IS NULL
                                       OR p_at < s.current_period_end) AS grants
        FROM billing_subscriptions s
        WHERE s.org_id = mine.org_id
        ORDER BY s.status IN {LIVE} DESC, s.updated_at DESC, s.id DESC
        LIMIT 1
    ) sub ON true
)
SELECT jsonb_build_object(
    'paid',
        EXISTS (
            SELECT 1 FROM complimentary_grants g
            WHERE g.user_id = p_user_id AND g.revoked_at IS NULL AND g.starts_at <= p_at
              AND (g.ends_at IS NULL OR p_at < g.ends_at)
        )
        OR coalesce((SELECT grants FROM own_sub), false)
        OR EXISTS (SELECT 1 FROM org_state WHERE access),
    'orgs',
        coalesce((SELECT jsonb_agg(jsonb_build_array(id, role, slug, name) ORDER BY name, id)
                  FROM org_state), '[]'::jsonb),
    'problem',
        CASE WHEN (SELECT status FROM own_sub) = 'past_due' THEN jsonb_build_object('own', true)
        ELSE (SELECT jsonb_build_object('name', name, 'slug', slug) FROM org_state
              WHERE role = 'owner' AND sub_status = 'past_due' ORDER BY name, id LIMIT 1)
        END
));
END
$$
"""


def upgrade():
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_articles_published_category",
            ["category_id", "published_at"],
            unique=False,
            postgresql_where=sa.text("status = 'published'"),
            sqlite_where=sa.text("status = 'published'"),
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(READER_ACCESS)
    # Search ranks every match on this small vector, never on the whole article's.
    op.execute(
        "ALTER TABLE articles ADD COLUMN search_head tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('norwegian'::regconfig, title), 'A') || "
        "setweight(to_tsvector('norwegian'::regconfig, lede), 'B')) STORED"
    )
    # A bulk load leaves GIN pending lists the planner avoids (autovacuum may be off or late):
    # without fastupdate every write goes straight into the index.
    for name in ("full", "teaser"):
        op.execute(f"ALTER INDEX ix_articles_search_{name} SET (fastupdate = off)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in ("full", "teaser"):
            op.execute(f"ALTER INDEX ix_articles_search_{name} RESET (fastupdate)")
        op.execute("DROP FUNCTION IF EXISTS reader_access(integer, timestamptz)")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_head")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_published_category")

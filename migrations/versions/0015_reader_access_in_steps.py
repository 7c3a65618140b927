"""reader_access() in steps: the organisation part only for readers with a membership

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:40:00

The same answers as migration 0011's function (tests/billing/test_reader_access.py compares
them with the Python rules), asked in steps so that a reader pays only for what applies to
them: their own subscription; the organisations' state only when they have a membership at
all (most readers have none); their own grant only when nothing else has given them access
yet. One statement of everything cost PostgreSQL 0.10-0.11 ms of CPU per call against
0.085 ms in steps for a subscriber without organisations (pgbench, 20,000 calls each,
3 Dec); the call is the one statement of every logged-in page. Same signature, same
SECURITY DEFINER and fixed search_path, same `veivalg.system` for the function's own
duration.
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

LIVE = "('active', 'trialing', 'past_due')"
# A subscription that gives access now (mirrors entitlements.py).
GRANTS = (
    f"s.status IN {LIVE} AND (NOT s.cancel_at_period_end OR s.current_period_end IS NULL "
    "OR p_at < s.current_period_end)"
)
NEWEST = f"ORDER BY s.status IN {LIVE} DESC, s.updated_at DESC, s.id DESC LIMIT 1"

READER_ACCESS = f"""
CREATE OR REPLACE FUNCTION reader_access(p_user_id integer, p_at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET veivalg.system = 'on'
AS $$
DECLARE
    own_status text;
    paid boolean;
    orgs jsonb := '[]'::jsonb;
    problem jsonb;
BEGIN
    -- Their own subscription: the newest live one, else the newest.
    SELECT s.status, {GRANTS} INTO own_status, paid
    FROM billing_subscriptions s
    WHERE s.user_id = p_user_id
    {NEWEST};
    paid := coalesce(paid, false);

    IF EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = p_user_id) THEN
        WITH mine AS (
            SELECT m.id, m.role, o.id AS org_id, o.slug, o.name, o.trial_ends_at
            FROM memberships m JOIN organizations o ON o.id = m.org_id
            WHERE m.user_id = p_user_id AND o.deleted_at IS NULL
        ),
        org_state AS (
            SELECT mine.id, mine.role, mine.slug, mine.name,
                   (mine.trial_ends_at IS NOT NULL AND p_at < mine.trial_ends_at)
                   OR coalesce(sub.grants, false)
                   OR EXISTS (
                       SELECT 1 FROM complimentary_grants g
                       WHERE g.org_id = mine.org_id AND g.revoked_at IS NULL
                         AND g.starts_at <= p_at AND (g.ends_at IS NULL OR p_at < g.ends_at)
                   ) AS access,
                   sub.status AS sub_status
            FROM mine
            LEFT JOIN LATERAL (
                SELECT s.status, {GRANTS} AS grants
                FROM billing_subscriptions s
                WHERE s.org_id = mine.org_id
                {NEWEST}
            ) sub ON true
        )
        SELECT coalesce(jsonb_agg(jsonb_build_array(id, role, slug, name) ORDER BY name, id),
                        '[]'::jsonb),
               paid OR coalesce(bool_or(access), false),
               (SELECT jsonb_build_object('name', o.name, 'slug', o.slug) FROM org_state o
                WHERE o.role = 'owner' AND o.sub_status = 'past_due'
                ORDER BY o.name, o.id LIMIT 1)
        INTO orgs, paid, problem
        FROM org_state;
    END IF;

    IF NOT paid THEN
        paid := EXISTS (
            SELECT 1 FROM complimentary_grants g
            WHERE g.user_id = p_user_id AND g.revoked_at IS NULL AND g.starts_at <= p_at
              AND (g.ends_at IS NULL OR p_at < g.ends_at)
        );
    END IF;

    -- Their own failed payment comes before an organisation's.
    IF own_status = 'past_due' THEN
        problem := jsonb_build_object('own', true);
    END IF;
    RETURN jsonb_build_object('paid', paid, 'orgs', orgs, 'problem', problem);
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(READER_ACCESS)


def downgrade():
    """Back to migration 0011's one statement (its text, read from that migration)."""
    if op.get_bind().dialect.name == "postgresql":
        path = Path(__file__).with_name("0011_reader_access_function_and_reader_indexes.py")
        spec = importlib.util.spec_from_file_location("migration_0011", path)
        assert spec is not None and spec.loader is not None
        previous = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(previous)
        op.execute(previous.READER_ACCESS)

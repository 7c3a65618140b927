"""the organisation door in one statement: org_door(slug, user_id, at)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:40:00

Every page under /orgs/<slug>/ used to cost four round trips before its own work: the
organisation by slug, set_config for the user, the membership, set_config for the
organisation. `org_door(slug, user_id, at)` does the same in one: it sets veivalg.user_id,
finds the live organisation by slug and the user's membership of it (visible through the
memberships_own policy, as before), and only then sets veivalg.org_id – both
transaction-local, like scoping.py's. It also answers whether the organisation has access now
(trial, live subscription, complimentary grant; mirrors portal/billing/entitlements.py
org_has_access, compared by tests/orgs/test_door.py), which the workspace's read-only state
needs.

SECURITY INVOKER on purpose: it runs with the runtime role's rights under the same row-level
security as the queries it replaces, so it can do nothing the application could not. No row
for an outsider, a deleted organisation or an unknown slug (the door answers 404), and then
veivalg.org_id is left as it was. PL/pgSQL, so each connection plans the body once.
PostgreSQL only: on SQLite the application asks the same questions as plain queries.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LIVE = "('active', 'trialing', 'past_due')"

ORG_DOOR = f"""
CREATE OR REPLACE FUNCTION org_door(p_slug text, p_user_id integer, p_at timestamptz)
RETURNS TABLE (
    org_id integer, org_slug varchar, org_name varchar, org_number varchar,
    org_billing_email varchar, org_seat_limit integer, org_trial_ends_at timestamptz,
    org_created_at timestamptz, org_deleted_at timestamptz,
    member_id integer, member_user_id integer, member_role varchar,
    member_created_at timestamptz, member_org_id integer,
    has_access boolean
)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    o organizations%ROWTYPE;
    m memberships%ROWTYPE;
BEGIN
    -- The membership is read under the user's own-rows policy, which reads this setting.
    PERFORM set_config('veivalg.user_id', coalesce(p_user_id::text, ''), true);
    SELECT * INTO o FROM organizations
    WHERE organizations.slug = p_slug AND organizations.deleted_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO m FROM memberships
    WHERE memberships.org_id = o.id AND memberships.user_id = p_user_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('veivalg.org_id', o.id::text, true);
    RETURN QUERY SELECT
        o.id, o.slug, o.name, o.org_number, o.billing_email, o.seat_limit, o.trial_ends_at,
        o.created_at, o.deleted_at,
        m.id, m.user_id, m.role, m.created_at, m.org_id,
        (o.trial_ends_at IS NOT NULL AND p_at < o.trial_ends_at)
        OR coalesce((
            SELECT s.status IN {LIVE} AND (NOT s.cancel_at_period_end
                                           OR s.current_period_end IS NULL
                                           OR p_at < s.current_period_end)
            FROM billing_subscriptions s
            WHERE s.org_id = o.id
            ORDER BY s.status IN {LIVE} DESC, s.updated_at DESC, s.id DESC
            LIMIT 1
        ), false)
        OR EXISTS (
            SELECT 1 FROM complimentary_grants g
            WHERE g.org_id = o.id AND g.revoked_at IS NULL AND g.starts_at <= p_at
              AND (g.ends_at IS NULL OR p_at < g.ends_at)
        );
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ORG_DOOR)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS org_door(text, integer, timestamptz)")

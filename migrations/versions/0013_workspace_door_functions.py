"""warm workspace pages in one statement: workbook_door() and workspace_front_door()

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:50:00

A warm workspace page (the workbook overview, the dashboard, the front; their blocks kept,
portal/workspace/kept.py) used to cost a transaction after the user loader: BEGIN, the door
(`org_door`), the page's head, ROLLBACK. These two functions do the door and the head in one
statement, so the page runs it in autocommit on a pooled connection (portal/orgs/door.py):

- `workbook_door(slug, user_id, at, workbook_id)`: org_door's row, then the workbook's id,
  title, version and created_at (NULL when the organisation has no such workbook: 404).
- `workspace_front_door(slug, user_id, at, action_prefix)`: org_door's row, then the newest
  workspace audit entry's id and every workbook's id, created_at and version as arrays in
  order of last change (kept.front_key's data).

Each calls `org_door` first (unchanged: it sets veivalg.user_id and, for a member,
veivalg.org_id, transaction-local), and returns nothing when it does – an outsider, a deleted
organisation, an unknown slug – so nothing of the page is read for them. Only then, in a
statement of its own, it reads the page's rows under row-level security with the settings
org_door has just set. SECURITY INVOKER like org_door: the runtime role's rights and
policies, nothing more. PostgreSQL only.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# org_door's columns, in its order (migration 0012).
DOOR_COLUMNS = """
    org_id integer, org_slug varchar, org_name varchar, org_number varchar,
    org_billing_email varchar, org_seat_limit integer, org_trial_ends_at timestamptz,
    org_created_at timestamptz, org_deleted_at timestamptz,
    member_id integer, member_user_id integer, member_role varchar,
    member_created_at timestamptz, member_org_id integer,
    has_access boolean"""
DOOR_INTO = """org_id, org_slug, org_name, org_number, org_billing_email, org_seat_limit,
        org_trial_ends_at, org_created_at, org_deleted_at, member_id, member_user_id,
        member_role, member_created_at, member_org_id, has_access"""

WORKBOOK_DOOR = f"""
CREATE OR REPLACE FUNCTION workbook_door(
    p_slug text, p_user_id integer, p_at timestamptz, p_workbook_id integer
)
RETURNS TABLE ({DOOR_COLUMNS},
    workbook_id integer, workbook_title varchar, workbook_version integer,
    workbook_created_at timestamptz
)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    SELECT * INTO {DOOR_INTO}
    FROM org_door(p_slug, p_user_id, p_at);
    IF NOT FOUND THEN
        RETURN;  -- outsider, deleted or unknown: nothing read, no org setting
    END IF;
    -- Under the row-level security of veivalg.org_id, which org_door has just set.
    SELECT w.id, w.title, w.version, w.created_at
    INTO workbook_id, workbook_title, workbook_version, workbook_created_at
    FROM workbooks w
    WHERE w.org_id = workbook_door.org_id AND w.id = p_workbook_id;
    RETURN NEXT;
END
$$
"""

FRONT_DOOR = f"""
CREATE OR REPLACE FUNCTION workspace_front_door(
    p_slug text, p_user_id integer, p_at timestamptz, p_action_prefix text
)
RETURNS TABLE ({DOOR_COLUMNS},
    newest_activity integer, workbook_ids integer[], workbook_created_ats timestamptz[],
    workbook_versions integer[]
)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    SELECT * INTO {DOOR_INTO}
    FROM org_door(p_slug, p_user_id, p_at);
    IF NOT FOUND THEN
        RETURN;  -- outsider, deleted or unknown: nothing read, no org setting
    END IF;
    SELECT max(a.id) INTO newest_activity
    FROM org_audit_log a
    WHERE a.org_id = workspace_front_door.org_id AND a.action LIKE p_action_prefix;
    SELECT array_agg(w.id ORDER BY w.updated_at DESC, w.id),
           array_agg(w.created_at ORDER BY w.updated_at DESC, w.id),
           array_agg(w.version ORDER BY w.updated_at DESC, w.id)
    INTO workbook_ids, workbook_created_ats, workbook_versions
    FROM workbooks w
    WHERE w.org_id = workspace_front_door.org_id;
    RETURN NEXT;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(WORKBOOK_DOOR)
    op.execute(FRONT_DOOR)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS workspace_front_door(text, integer, timestamptz, text)")
        op.execute("DROP FUNCTION IF EXISTS workbook_door(text, integer, timestamptz, integer)")

#!/usr/bin/env bash
# Creates Veivalg's two database roles and its database.
#
#   veivalg_owner  owns the database, the schema and every table; only the
#                  one-shot migrate service logs in as it.
#   veivalg_app    what web, worker and beat log in as: owns nothing, is not
#                  superuser, has no BYPASSRLS, and gets only SELECT/INSERT/
#                  UPDATE/DELETE on tables (USAGE/SELECT on sequences). Table
#                  owners and superusers skip row-level security; this role
#                  cannot, so the RLS policies on tenant tables always apply.
#
# The postgres image runs this once, when its data volume is empty. It is safe
# to run again (it updates the passwords), e.g. to rotate them:
#   docker compose exec postgres /docker-entrypoint-initdb.d/01-roles.sh
set -euo pipefail

: "${POSTGRES_OWNER_PASSWORD:?POSTGRES_OWNER_PASSWORD must be set}"
: "${POSTGRES_APP_PASSWORD:?POSTGRES_APP_PASSWORD must be set}"
db="${VEIVALG_DB:-veivalg}"
owner="veivalg_owner"
app="veivalg_app"

psql_admin=(psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet
    --username "${POSTGRES_USER:-postgres}"
    -v db="$db" -v owner="$owner" -v app="$app"
    -v owner_pw="$POSTGRES_OWNER_PASSWORD" -v app_pw="$POSTGRES_APP_PASSWORD")

"${psql_admin[@]}" --dbname "${POSTGRES_DB:-postgres}" <<'SQL'
SELECT format('CREATE ROLE %I', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec

ALTER ROLE :"owner" WITH LOGIN PASSWORD :'owner_pw'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE :"app" WITH LOGIN PASSWORD :'app_pw'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
SQL

"${psql_admin[@]}" --dbname "$db" <<'SQL'
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Whatever the migrations create as the owner is usable by the runtime role,
-- but only for reading and writing rows: no DDL, no TRUNCATE, no ownership.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
SQL

echo "01-roles.sh: database $db owned by $owner; runtime role $app ready"

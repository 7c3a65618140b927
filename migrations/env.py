"""Alembic environment: runs as the table-owning role when DATABASE_OWNER_URL is set."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

from portal.db_roles import APPEND_ONLY_TABLES
from portal.models import load_all

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

load_all()
target_db = current_app.extensions["migrate"].db


def get_engine():
    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    if owner_url:
        return create_engine(owner_url)
    return target_db.engine


# Full-text search objects that the models do not describe (docs/decisions.md, Content).
UNMODELLED_PREFIXES = ("article_fts", "search_full", "search_teaser", "ix_articles_search")


def include_object(obj, name, type_, reflected, compare_to):
    return not (reflected and name and name.startswith(UNMODELLED_PREFIXES))


def render_item(type_, obj, autogen_context):
    if type_ == "type" and obj.__class__.__module__ == "portal.timeutil":
        autogen_context.imports.add("import portal.timeutil")
        return f"portal.timeutil.{obj.__class__.__name__}()"
    return False


def run_migrations_offline():
    context.configure(
        url=str(get_engine().url),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args["render_as_batch"] = True
    conf_args.setdefault("include_object", include_object)
    conf_args["compare_type"] = True
    engine = get_engine()
    own_engine = engine is not target_db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            render_item=render_item,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
            grant_runtime_role(connection)
    if own_engine:
        engine.dispose()


def grant_runtime_role(connection):
    """Give the runtime role (DATABASE_APP_ROLE) data access to every table; it owns none.

    Tables that must stay append-only for the runtime role revoke rights in their own
    migration after this grant, listed in portal.db_roles.APPEND_ONLY_TABLES.
    """
    role = current_app.config.get("DATABASE_APP_ROLE")
    if not role or connection.dialect.name != "postgresql":
        return
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quoted}")
    connection.exec_driver_sql(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
    )
    connection.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    connection.exec_driver_sql(f"REVOKE ALL ON alembic_version FROM {quoted}")
    for table in APPEND_ONLY_TABLES:
        exists = connection.exec_driver_sql("SELECT to_regclass(%s)", (table,)).scalar()
        if exists:  # absent after a downgrade
            connection.exec_driver_sql(f"REVOKE UPDATE, DELETE ON {table} FROM {quoted}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""The Veivalg Flask application: create_app() wires extensions, blueprints, CLI and error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config
from portal import cli, errors, i18n, observability, security, templating
from portal.accounts.routes import bp as accounts_bp
from portal.accounts.session import init_login
from portal.api.routes import bp as api_bp
from portal.billing.routes import bp as billing_bp
from portal.celery_setup import celery_init_app
from portal.content.pagecache import CachedPages
from portal.content.routes import bp as content_bp
from portal.core.routes import bp as core_bp
from portal.exports.routes import bp as exports_bp
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
from portal.orgs.routes import bp as orgs_bp
from portal.staff.routes import bp as staff_bp

BLUEPRINTS = (core_bp, accounts_bp, content_bp, orgs_bp, billing_bp, staff_bp, api_bp, exports_bp)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides settings read from the environment."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(load_config(config))
    if app.config.get("RATELIMIT_STORAGE_URI") is None:
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"

    app.wsgi_app = CachedPages(app.wsgi_app, app)  # type: ignore[method-assign]
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])

    observability.init_logging(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    login_manager.init_app(app)
    init_login(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, babel)
    celery_init_app(app)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app


def _ensure_sqlite_folder(uri: str) -> None:
    # The embedded default keeps its database in instance/, which a fresh clone lacks.
    url = make_url(uri)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # The embedded default: WAL lets readers and a writer work together; wait instead of failing.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

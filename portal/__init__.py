"""The Veivalg Flask application: create_app() wires extensions, database listeners, blueprints,
context processors, cross-domain hooks, CLI commands and error pages; importing any module of
the package registers nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response
from sqlalchemy.engine import make_url
from werkzeug.datastructures import Headers
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config
from portal import (
    dbping,
    demo,
    disconnects,
    errors,
    i18n,
    observability,
    rawinput,
    readonly,
    security,
    sqlite_pragmas,
    templating,
)
from portal.accounts import cli as accounts_cli
from portal.accounts import hooks as accounts_hooks
from portal.accounts.routes import bp as accounts_bp
from portal.accounts.session import init_login
from portal.billing import access, banner, gateway
from portal.billing import cli as billing_cli
from portal.billing import service as billing_service
from portal.billing.org_routes import bp as org_billing_bp
from portal.billing.routes import bp as billing_bp
from portal.celery_setup import celery_init_app
from portal.content import cli as content_cli
from portal.content.kept_readers import KeptReaderPages
from portal.content.pagecache import CachedPages
from portal.content.routes import bp as content_bp
from portal.core.routes import bp as core_bp
from portal.disconnects import RetrySafeRequests
from portal.exports import service as exports_service
from portal.exports.routes import bp as exports_bp
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
from portal.orgs import account_hooks as orgs_account_hooks
from portal.orgs import hooks as orgs_hooks
from portal.orgs import scoping
from portal.orgs.blueprint import org_switcher_context
from portal.orgs.routes import bp as orgs_bp
from portal.outbox import cli as outbox_cli
from portal.outbox import service as outbox_service
from portal.staff.routes import bp as staff_bp
from portal.workspace import cli as workspace_cli
from portal.workspace import kept_pages as workspace_kept_pages
from portal.workspace import snapshots as workspace_snapshots
from portal.workspace.routes import bp as workspace_bp
from portal.workspace.workbook_views import panel_context as workspace_panel_context

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger(__name__)

BLUEPRINTS = (
    core_bp,
    accounts_bp,
    content_bp,
    orgs_bp,
    billing_bp,
    org_billing_bp,
    staff_bp,
    exports_bp,
    workspace_bp,
)

# Each adds its `flask …` commands to the app.
CLI_COMMANDS = (
    accounts_cli.register,
    content_cli.register,
    billing_cli.register,
    outbox_cli.register,
    workspace_cli.register,
    demo.register,
)


_SYNC_KEPT = 10_000


class PortalResponse(Response):
    """Flask's response, whose headers are handed to the server as a plain copy when Werkzeug
    would change nothing in them (no Location to make absolute, a Content-Length already set, a
    status that keeps its body headers); anything else goes through Werkzeug as before.

    Werkzeug's copy adds every header again one by one, checking each value for line breaks as
    it was already checked when it was set: a dozen headers, about a twentieth of a kept page.
    """

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = self.headers
        status = self.status_code
        if type(headers) is not Headers or status < 200 or status in (204, 304):
            return super().get_wsgi_headers(environ)
        has_length = False
        for name, _ in headers:
            lower = name.lower()
            if lower == "content-length":
                has_length = True
            elif lower in ("location", "content-location"):
                return super().get_wsgi_headers(environ)
        if not has_length and self.automatically_set_content_length and self.is_sequence:
            return super().get_wsgi_headers(environ)
        copy = Headers()
        copy._list = list(headers._list)
        return copy


class Portal(Flask):
    """Flask, with the answer to "is this function async?" kept per function.

    Flask asks it of every hook on every request (inspect.iscoroutinefunction, a dozen times
    a page); a function's nature does not change, so the first answer stands.
    """

    response_class = PortalResponse

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync[func]
        except KeyError:
            found = super().ensure_sync(func)
            # Flask passes the hooks and views it holds; a bound keeps a surprise caller that
            # makes new functions per request from growing it.
            if len(self._sync) < _SYNC_KEPT:
                self._sync[func] = found
            return found
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides settings read from the environment."""
    app = Portal(__name__, instance_relative_config=False)
    app.config.from_mapping(load_config(config))
    if app.config.get("RATELIMIT_STORAGE_URI") is None:
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"

    app.wsgi_app = RetrySafeRequests(app.wsgi_app)  # type: ignore[method-assign]
    # Logged-in readers' warm article and workspace pages, from kept pieces (kept_readers.py).
    app.wsgi_app = KeptReaderPages(app.wsgi_app, app, workspace_kept_pages.KINDS)  # type: ignore[method-assign]
    app.wsgi_app = CachedPages(app.wsgi_app, app)  # type: ignore[method-assign]
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])

    observability.init_logging(app)
    # After the request id is set (init_logging), before anything reads the query.
    rawinput.init_app(app)
    sqlite_pragmas.install()
    scoping.install()
    outbox_service.install()
    exports_service.install()
    workspace_snapshots.install()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    login_manager.init_app(app)
    init_login(app)
    csrf.init_app(app)
    limiter.init_app(app)
    readonly.init_app(app)
    i18n.init_app(app, babel)
    celery_init_app(app)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.context_processor(org_switcher_context)
    app.context_processor(banner.banner_context)
    app.context_processor(access.access_context)
    app.context_processor(workspace_panel_context)

    _register_hooks(app)
    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    disconnects.init_app(app)
    dbping.init_app(app)
    for register_commands in CLI_COMMANDS:
        register_commands(app)
    _warn_about_configuration(app)
    return app


def _register_hooks(app: Flask) -> None:
    # Who takes part when another domain acts: the one place a reader finds every seam.
    account = accounts_hooks.init_app(app)
    account.add_export_section("orgs", orgs_account_hooks.export_user_data)
    account.add_export_section("billing", billing_service.export_user_data)
    account.add_deletion_blocker(orgs_account_hooks.account_deletion_blocker)
    account.add_on_delete(billing_service.cancel_user_subscription)
    org = orgs_hooks.init_app(app)
    org.add_on_delete(billing_service.cancel_org_subscription)


def _warn_about_configuration(app: Flask) -> None:
    # Said at start-up as well as on /readyz, so a half-configured deploy is seen in its log.
    problem = gateway.configuration_state(app.config)[1]
    if problem:
        log.warning("configuration: %s", problem)


def _ensure_sqlite_folder(uri: str) -> None:
    # The embedded default keeps its database in instance/, which a fresh clone lacks.
    url = make_url(uri)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)

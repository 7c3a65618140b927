"""create_app is the one place that wires the app: importing the package registers nothing, and
one create_app installs each listener, context processor and command exactly once."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal import sqlite_pragmas
from portal.celery_setup import TASK_PACKAGES
from portal.orgs import scoping
from portal.outbox import service as outbox_service

ROOT = Path(__file__).resolve().parents[1]

IMPORT_EVERYTHING = """
import importlib, pkgutil
import portal
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
for info in pkgutil.walk_packages(portal.__path__, "portal."):
    importlib.import_module(info.name)
from portal import sqlite_pragmas
from portal.celery_setup import TASK_PACKAGES
from portal.orgs import scoping
from portal.outbox import service
assert not event.contains(Engine, "connect", sqlite_pragmas._sqlite_pragmas)
assert not event.contains(Session, "after_begin", scoping._scope_new_transaction)
assert not event.contains(Session, "after_commit", service._dispatch_after_commit)
assert not event.contains(Session, "after_rollback", service._forget_after_rollback)
print("clean")
"""


def test_importing_every_module_installs_no_listener() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


def test_no_module_registers_itself_on_the_app() -> None:
    for path in (ROOT / "portal").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for marker in ("@event.listens_for", "app_context_processor", "before_app_request"):
            assert marker not in source, (path, marker)


def test_create_app_installs_the_listeners_once(app: Flask, make_app) -> None:
    make_app()  # a second app in the same process
    for target, name, fn in (
        (Engine, "connect", sqlite_pragmas._sqlite_pragmas),
        (Session, "after_begin", scoping._scope_new_transaction),
        (Session, "after_commit", outbox_service._dispatch_after_commit),
        (Session, "after_rollback", outbox_service._forget_after_rollback),
    ):
        assert event.contains(target, name, fn), name


def test_create_app_registers_every_command(app: Flask) -> None:
    commands = set(app.cli.list_commands(None))  # type: ignore[arg-type]
    assert {"create-user", "import-articles", "stripe-sync-plans", "billing-reconcile",
            "outbox-redispatch", "seed-demo"} <= commands  # fmt: skip


def test_templates_get_the_header_switcher_and_the_payment_banner(app: Flask) -> None:
    with app.test_request_context("/"):
        context: dict[str, object] = {}
        app.update_template_context(context)
        assert callable(context["org_switcher"])
        assert callable(context["billing_payment_problem"])


def test_every_page_a_template_links_to_exists(app: Flask) -> None:
    """Templates link without guards (no has_endpoint): each url_for target must be served."""
    named = set()
    for path in (ROOT / "portal" / "templates").rglob("*.html"):
        named |= set(re.findall(r"url_for\(\s*'([\w.]+)'", path.read_text(encoding="utf-8")))
    assert named, "found no url_for in the templates"
    missing = {name for name in named if name not in app.view_functions}
    assert not missing, missing


def test_celery_looks_for_tasks_exactly_where_domains_have_them() -> None:
    with_tasks = {f"portal.{path.parent.name}" for path in (ROOT / "portal").glob("*/tasks.py")}
    assert set(TASK_PACKAGES) == with_tasks


def test_nothing_is_served_under_the_reserved_api_prefix(app: Flask) -> None:
    assert not [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api")]

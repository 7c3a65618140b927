"""The embedded default (SQLite) serves the workspace's kept pages: their folded statements
(UNION ALL, outer joins on aggregates) are plain SQL both databases run."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from portal.workspace.models import Workbook

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_workspace_pages_render_on_sqlite(tmp_path: Path) -> None:
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'veivalg.db'}",
        "SECRET_KEY": "sqlite-test-" * 4, "REDIS_URL": None, "LOG_LEVEL": "WARNING",
        "MAIL_URL": f"file://{tmp_path / 'mail'}", "EXPORT_DIR": str(tmp_path / "exports"),
    })  # fmt: skip
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "owner@acme.example.com"))
        workbook_id = db.session.scalar(select(Workbook.id).order_by(Workbook.id))
        user_id = owner.get_id()
        db.engine.dispose()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    base = "/orgs/acme/workspace/"
    for path in (base, f"{base}{workbook_id}/", f"{base}{workbook_id}/dashboard", "/orgs/acme/"):
        first, kept = client.get(path), client.get(path)
        assert first.status_code == kept.status_code == 200, path
    overview = client.get(f"{base}{workbook_id}/").get_data(as_text=True)
    assert "Hull i metoden" in overview
    assert "Første utkast, behandlet i ledergruppen" in overview

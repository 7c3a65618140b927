"""A full PostgreSQL stop and start under the app, on a private cluster the test owns."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade

from portal import create_app
from portal.content import demo as content_demo
from portal.extensions import db
from tests.conftest import ROOT
from tests.faults.conftest import READER_PAGES
from tests.support.database import APP_ROLE
from tests.support.private_postgres import PrivateCluster, bindir
from tests.support.services import GunicornServer, wait_for
from tests.support.traffic import burst, request

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(base_config: dict[str, Any]) -> Iterator[PrivateCluster]:
    if bindir() is None:
        pytest.skip("initdb and pg_ctl are not installed (docs/reliability.md)")
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        cluster.create_database()
        app = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": cluster.app_url,
                          "DATABASE_OWNER_URL": cluster.owner_url,
                          "DATABASE_APP_ROLE": APP_ROLE})  # fmt: skip
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            content_demo.seed()
            db.session.commit()
            db.engine.dispose()
        yield cluster
    finally:
        cluster.remove()


def test_postgres_stopped_and_started_under_the_app(
    cluster: PrivateCluster, base_config: dict[str, Any], tmp_path: Path
) -> None:
    env = {"VEIVALG_ENV": "development", "DATABASE_URL": cluster.app_url,
           "MAIL_URL": base_config["MAIL_URL"], "SECRET_KEY": "test-secret-key-not-for-production",
           "BASE_URL": base_config["BASE_URL"]}  # fmt: skip
    web = GunicornServer(env, tmp_path / "gunicorn.log", workers=1, threads=4)
    web.start()
    try:
        before = burst(web.url, READER_PAGES, seconds=1.5, threads=2)
        assert before and all(a.status == 200 for a in before)

        cluster.stop("fast")
        down = burst(web.url, READER_PAGES, seconds=2, threads=2)
        assert down and not [a.error for a in down if a.error]
        bad = Counter((a.path, a.status) for a in down if not a.acceptable())
        assert not bad, f"not the 503 page: {bad}"
        assert sum(a.status == 503 for a in down) > 0
        ready = request(web.url, "/readyz")
        assert ready.status == 503 and json.loads(ready.body)["database"] == "down"
        assert request(web.url, "/healthz").status == 200

        cluster.start()
        wait_for(lambda: request(web.url, "/readyz").status == 200, timeout=30)
        after = [request(web.url, path) for path in READER_PAGES]
        assert [a.status for a in after] == [200] * len(after)
        assert "Error handling request" not in web.log()
    finally:
        web.stop()

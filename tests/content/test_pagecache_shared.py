"""With Redis, a content write in one process empties every process's page cache within a second."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from portal.content import pagecache
from portal.content.pagecache import VERSION_CHECK_SECONDS, VERSION_KEY, pages
from tests.support.services import RedisServer


@pytest.fixture
def cached_app(make_app, redis_server: RedisServer) -> Iterator[Flask]:
    pages.clear()
    app = make_app(REDIS_URL=redis_server.url, CONTENT_CACHE_SECONDS=30)
    yield app
    pages.clear()


def _plant_stale_list_page() -> None:
    key = ("page", "", "/articles/", "", "nb")
    pages.put(key, 30, "200 OK", [("Content-Type", "text/html; charset=utf-8")], b"STALE")


def test_another_processs_write_drops_our_pages_within_a_second(
    app: Flask, cached_app: Flask, redis_server: RedisServer
) -> None:
    client = cached_app.test_client()
    client.get("/articles/")  # the first check reads the current version
    _plant_stale_list_page()
    assert client.get("/articles/").get_data() == b"STALE"  # served from this process's cache

    # Another worker commits a content change and bumps the shared version.
    redis.Redis.from_url(redis_server.url).incr(VERSION_KEY)
    time.sleep(VERSION_CHECK_SECONDS + 0.1)
    fresh = client.get("/articles/")
    assert fresh.status_code == 200 and fresh.get_data() != b"STALE"


def test_a_committed_content_change_bumps_the_shared_version(
    cached_app: Flask, redis_server: RedisServer
) -> None:
    server = redis.Redis.from_url(redis_server.url)
    with cached_app.app_context():
        pagecache.content_changed(cached_app.config["REDIS_URL"])
    before = int(server.get(VERSION_KEY))
    _plant_stale_list_page()
    with cached_app.app_context():
        pagecache.content_changed(cached_app.config["REDIS_URL"])
    assert int(server.get(VERSION_KEY)) == before + 1
    assert pages.get(("page", "", "/articles/", "", "nb")) is None


def test_a_redis_that_lost_its_data_cannot_repeat_a_version_a_worker_has_seen(
    cached_app: Flask, redis_server: RedisServer
) -> None:
    url = cached_app.config["REDIS_URL"]
    pagecache.content_changed(url)
    seen = redis.Redis.from_url(url).get(VERSION_KEY)
    redis_server.stop()  # no persistence: the counter is gone with the process
    redis_server.start()
    pagecache.content_changed(url)
    assert redis.Redis.from_url(url).get(VERSION_KEY) not in (None, seen)


def test_with_redis_down_pages_still_serve_and_nothing_fails(
    app: Flask, cached_app: Flask, redis_server: RedisServer
) -> None:
    client = cached_app.test_client()
    redis_server.stop()
    time.sleep(VERSION_CHECK_SECONDS + 0.1)
    assert client.get("/articles/").status_code == 200
    with cached_app.app_context():
        pagecache.content_changed(cached_app.config["REDIS_URL"])  # logs, does not raise

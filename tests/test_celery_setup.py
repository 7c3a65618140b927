"""Celery's settings: a late-acknowledged task is never handed to a second worker early."""

from __future__ import annotations

from flask import Flask


def test_broker_visibility_timeout_exceeds_every_task_time_limit(base_app: Flask) -> None:
    # With acks_late, Redis hands an unacknowledged task to another worker once the
    # visibility timeout passes: a task still running then would run twice.
    celery = base_app.extensions["celery"]
    celery.loader.import_default_modules()
    default = celery.conf.task_time_limit
    limits = {
        name: task.time_limit or default
        for name, task in celery.tasks.items()
        if not name.startswith("celery.")
    }
    assert limits, "no portal tasks registered"
    assert all(limit for limit in limits.values()), f"tasks without a hard limit: {limits}"
    visibility = celery.conf.broker_transport_options["visibility_timeout"]
    longest = max(limits.values())
    assert visibility > longest, f"visibility {visibility}s <= longest task limit {longest}s"


def test_worker_children_are_replaced_past_the_configured_memory(base_app: Flask) -> None:
    # Celery counts KiB; the setting is in MB so operators can read it.
    celery = base_app.extensions["celery"]
    expected = base_app.config["WORKER_MAX_MEMORY_MB"] * 1024
    assert celery.conf.worker_max_memory_per_child == expected > 0

"""Binds Celery to the Flask app: every task runs inside the app context."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

# Domain packages whose tasks.py registers Celery tasks (a domain adds itself with its first task).
TASK_PACKAGES = [
    "portal.outbox",
    "portal.content",
    "portal.orgs",
    "portal.billing",
    "portal.exports",
    "portal.workspace",
]


def celery_config(settings: dict[str, Any]) -> dict[str, Any]:
    """Celery settings derived from the app's configuration."""
    redis_url = settings.get("REDIS_URL")
    timeout = settings.get("BROKER_CONNECT_TIMEOUT", 1.0)
    return {
        "broker_url": redis_url or "memory://",
        "result_backend": redis_url,
        "task_ignore_result": True,
        # No Redis: run tasks in-process (the embedded default).
        "task_always_eager": not redis_url,
        "task_eager_propagates": False,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": 300,
        "task_soft_time_limit": 240,
        # A prefork child whose memory passed this after a task is replaced before the next
        # one: what WeasyPrint's caches keep per process stays bounded by configuration.
        "worker_max_memory_per_child": int(settings.get("WORKER_MAX_MEMORY_MB", 512)) * 1024,
        # Above the longest task's time limit, so a late ack is never redelivered early.
        "broker_transport_options": {
            "visibility_timeout": 3600,
            "max_retries": 0,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout * 3,
        },
        "broker_connection_timeout": timeout,
        "broker_connection_retry_on_startup": True,
        # A request must not wait for a broker that is down; beat hands the work over later.
        "task_publish_retry": False,
        "redis_socket_connect_timeout": timeout,
        "redis_socket_timeout": timeout * 3,
        "timezone": "UTC",
        "enable_utc": True,
        "worker_hijack_root_logger": False,
    }


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for this Flask app and register it as the default."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(celery_config(app.config))
    celery.set_default()
    celery.autodiscover_tasks(TASK_PACKAGES, force=True)
    app.extensions["celery"] = celery
    return celery

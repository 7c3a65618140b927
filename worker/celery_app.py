"""Celery entry point: `celery -A worker.celery_app:celery worker|beat`."""

from portal import create_app
from worker.schedule import BEAT_SCHEDULE

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = BEAT_SCHEDULE

"""The Celery worker and beat processes."""

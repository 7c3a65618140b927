"""Benchmarks of the reader pages under gunicorn on PostgreSQL (`make bench`)."""

"""Fixtures for the core tests: the accounts tests' app that mails to a real SMTP sink."""

from tests.accounts.conftest import mail_app, mail_client  # noqa: F401 - fixtures

"""Configuration classes; the only module that reads the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run in the chosen environment."""


class Config:
    """Settings shared by every environment; values come from the environment."""

    VEIVALG_ENV = "development"
    DEBUG = False
    TESTING = False

    SECRET_KEY = _env("SECRET_KEY")
    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")

    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'veivalg.db'}")
    # The table-owning role runs migrations; the runtime role (DATABASE_URL) owns nothing.
    DATABASE_OWNER_URL = _env("DATABASE_OWNER_URL")
    DATABASE_APP_ROLE = _env("DATABASE_APP_ROLE")
    # The liveness ping before a checkout is portal/dbping.py's: skipped on GET and HEAD (a
    # round trip, 7 % of a reader page; a safe read that lost its connection runs again once,
    # portal/disconnects.py), kept for everything else. Connections live at most half an hour.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": False, "pool_recycle": 1800}

    REDIS_URL = _env("REDIS_URL")

    MAIL_URL = _env("MAIL_URL", f"file://{INSTANCE_DIR / 'mail'}")
    MAIL_FROM = _env("MAIL_FROM", "Veivalg <ikke-svar@veivalg.example>")
    EXPORT_DIR = _env("EXPORT_DIR", str(INSTANCE_DIR / "exports"))
    # Days a finished export can be downloaded before beat deletes its file.
    EXPORT_RETENTION_DAYS = _env_int("EXPORT_RETENTION_DAYS", 7)
    # Seconds an export task may run (a hard limit; well below the broker's visibility timeout
    # of an hour, so a late-acknowledged task is never handed to a second worker while it runs).
    EXPORT_TIME_LIMIT = _env_int("EXPORT_TIME_LIMIT", 300)
    WORKER_MAX_MEMORY_MB = _env_int("WORKER_MAX_MEMORY_MB", 512)

    STRIPE_SECRET_KEY = _env("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = _env("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = _env("STRIPE_API_BASE")
    VAT_RATE_PERCENT = _env_int("VAT_RATE_PERCENT", 25)

    # Where contact and quote requests go (staff), and who is the data controller in the
    # privacy notice.
    CONTACT_EMAIL = _env("CONTACT_EMAIL", "kontakt@veivalg.example")
    CONTROLLER_NAME = _env("CONTROLLER_NAME", "Veivalg AS")
    CONTROLLER_ADDRESS = _env("CONTROLLER_ADDRESS", "Postboks 1234 Sentrum, 0106 Oslo")
    CONTROLLER_ORG_NUMBER = _env("CONTROLLER_ORG_NUMBER", "")

    # How many reverse proxies (load balancer, ingress) sit in front of gunicorn; their
    # X-Forwarded-For/-Proto are trusted for that many hops (client IP for rate limits).
    TRUSTED_PROXY_HOPS = _env_int("TRUSTED_PROXY_HOPS", 0)
    # Sent or failed outbox rows (which hold mail text) are deleted after this many days.
    OUTBOX_RETENTION_DAYS = _env_int("OUTBOX_RETENTION_DAYS", 30)

    DEMO_PASSWORD = _env("DEMO_PASSWORD", "demo-password")
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    LOG_JSON = False

    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = ("nb", "en")

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-up, login, reset and one-time-link POSTs: per client IP, and per submitted e-mail.
    ACCOUNTS_RATE_LIMIT_IP = _env("ACCOUNTS_RATE_LIMIT_IP", "30 per minute; 300 per hour")
    ACCOUNTS_RATE_LIMIT_EMAIL = _env("ACCOUNTS_RATE_LIMIT_EMAIL", "6 per minute; 40 per hour")

    # Token lifetimes (seconds).
    VERIFY_EMAIL_MAX_AGE = 3 * 24 * 3600
    LOGIN_LINK_MAX_AGE = 15 * 60
    RESET_PASSWORD_MAX_AGE = 60 * 60

    # Outbox: how long a pending item may wait before beat hands it over again.
    OUTBOX_REDISPATCH_AFTER = _env_int("OUTBOX_REDISPATCH_AFTER", 30)
    # Seconds the web process waits for the broker before leaving work to beat.
    BROKER_CONNECT_TIMEOUT = 1.0

    TEASER_MAX_CHARS = _env_int("TEASER_MAX_CHARS", 600)
    # Seconds a cookie-less reader page may be served from the in-process cache (0: off).
    CONTENT_CACHE_SECONDS = _env_int("CONTENT_CACHE_SECONDS", 0)
    # Rendered article fragments kept per worker process for every reader (no reader's data in
    # them): at most this many bytes (0: off), each at most this many seconds; a content write
    # drops them at once (in other processes within a second with Redis).
    ARTICLE_CACHE_BYTES = _env_int("ARTICLE_CACHE_BYTES", 16 * 1024 * 1024)
    ARTICLE_CACHE_SECONDS = _env_int("ARTICLE_CACHE_SECONDS", 30)
    # 1: a logged-in reader's warm article page is put together from those fragments in front
    # of Flask (content/kept_readers.py), after the same fresh access statement; 0: by Flask.
    KEPT_READER_PAGES = _env_int("KEPT_READER_PAGES", 1)
    WORKSPACE_CACHE_BYTES = _env_int("WORKSPACE_CACHE_BYTES", 32 * 1024 * 1024)
    WORKSPACE_CACHE_SECONDS = _env_int("WORKSPACE_CACHE_SECONDS", 600)
    ORG_TRIAL_DAYS = _env_int("ORG_TRIAL_DAYS", 14)
    # Days a soft-deleted organisation can be restored by staff before it is purged.
    ORG_PURGE_AFTER_DAYS = _env_int("ORG_PURGE_AFTER_DAYS", 30)
    # Days an organisation invitation link stays valid.
    ORG_INVITATION_DAYS = _env_int("ORG_INVITATION_DAYS", 7)
    # Invitations (new and resent) one organisation may send (Flask-Limiter syntax).
    ORG_INVITE_RATE_LIMIT = "50 per hour"

    @classmethod
    def validate(cls, settings: dict[str, Any]) -> None:
        """Refuse settings that cannot run in this environment."""


class DevelopmentConfig(Config):
    VEIVALG_ENV = "development"
    DEBUG = True


class TestConfig(Config):
    VEIVALG_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    # The test suite passes its own database and mail folder; these are safe fallbacks.
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    MAIL_URL = f"file://{INSTANCE_DIR / 'test-mail'}"
    REDIS_URL = None
    RATELIMIT_ENABLED = True
    OUTBOX_REDISPATCH_AFTER = 0


class ProductionConfig(Config):
    VEIVALG_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    LOG_JSON = True
    CONTENT_CACHE_SECONDS = _env_int("CONTENT_CACHE_SECONDS", 30)

    @classmethod
    def validate(cls, settings: dict[str, Any]) -> None:
        if not settings.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set when VEIVALG_ENV=production")
        if str(settings.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
            raise ConfigError("production needs a real database: set DATABASE_URL")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings for VEIVALG_ENV (or overrides['VEIVALG_ENV']), validated."""
    overrides = dict(overrides or {})
    env_name = overrides.get("VEIVALG_ENV") or _env("VEIVALG_ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"VEIVALG_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    cls = CONFIGS[env_name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    settings.update(overrides)
    cls.validate(settings)
    if not settings.get("SECRET_KEY"):
        # Development only: a random key per run (sessions do not survive a restart).
        settings["SECRET_KEY"] = secrets.token_hex(32)
    uri = settings["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **settings.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
            "connect_args": {"timeout": 15, "check_same_thread": False},
        }
    return settings

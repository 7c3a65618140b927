"""Configuration: production refuses to start without a secret and a real database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import ConfigError, load_config
from portal import create_app


def test_production_refuses_to_start_without_secret_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(
            {
                "VEIVALG_ENV": "production",
                "SECRET_KEY": None,
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@localhost/x",
            }
        )


def test_production_refuses_sqlite() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config(
            {
                "VEIVALG_ENV": "production",
                "SECRET_KEY": "s" * 40,
                "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db",
            }
        )


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="VEIVALG_ENV"):
        load_config({"VEIVALG_ENV": "staging"})


def test_development_gets_a_random_secret_per_run() -> None:
    first = load_config({"VEIVALG_ENV": "development", "SECRET_KEY": None})
    second = load_config({"VEIVALG_ENV": "development", "SECRET_KEY": None})
    assert first["SECRET_KEY"] and first["SECRET_KEY"] != second["SECRET_KEY"]


def test_production_cookies_are_secure() -> None:
    settings = load_config(
        {
            "VEIVALG_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@localhost/x",
        }
    )
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["REMEMBER_COOKIE_DURATION"].days <= 30


def test_every_setting_read_from_the_environment_is_documented() -> None:
    root = Path(__file__).resolve().parents[1]
    names = set(re.findall(r'_env(?:_int)?\("([A-Z0-9_]+)"', (root / "config.py").read_text()))
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    assert names, "no settings found in config.py"
    undocumented = sorted(n for n in names if f"{n}=" not in example or f"`{n}`" not in readme)
    assert undocumented == []

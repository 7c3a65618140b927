"""The embedded default: a clean folder, no DATABASE_URL or REDIS_URL, boots and serves."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support.services import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "instance",
    ".tmp",
    "__pycache__",
    "*.db",
    ".pytest_cache",
    ".ruff_cache",
    "tests",
    "bench",
    "docs",
)


@pytest.fixture
def clean_checkout(tmp_path: Path) -> Path:
    target = tmp_path / "veivalg"
    shutil.copytree(ROOT, target, ignore=SKIP)
    return target


def embedded_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "MAIL_URL",
            "SECRET_KEY",
            "VEIVALG_ENV",
            "DATABASE_OWNER_URL",
            "DATABASE_APP_ROLE",
            "EXPORT_DIR",
            "STRIPE_SECRET_KEY",
            "STRIPE_API_BASE",
            "STRIPE_WEBHOOK_SECRET",
        }
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def flask(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=checkout,
        env=embedded_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode()


def test_embedded_default_boots_from_a_clean_folder(clean_checkout: Path) -> None:
    upgraded = flask(clean_checkout, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    seeded = flask(clean_checkout, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    again = flask(clean_checkout, "seed-demo")
    assert again.returncode == 0, again.stderr
    assert (clean_checkout / "instance" / "veivalg.db").exists()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
        cwd=clean_checkout,
        env=embedded_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return get(f"{base}/healthz")[0] == 200
            except OSError:
                return False

        wait_for(up, timeout=30)
        status, page = get(f"{base}/")
        assert status == 200 and "Veivalg" in page
        status, body = get(f"{base}/readyz")
        assert status == 200 and '"redis":"off"' in body.replace(" ", "")
    finally:
        server.terminate()
        server.wait(timeout=10)

"""Safe `next=` handling: only same-site relative paths are followed."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def is_safe_path(target: str | None) -> bool:
    """True only for a relative path on this site (no scheme, no host, no backslash tricks)."""
    if not target or len(target) > 2000:
        return False
    if any(ch in target for ch in ("\\", "\r", "\n", "\t", "\x00")) or any(
        ord(ch) < 32 for ch in target
    ):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default_endpoint: str = "content.home") -> str:
    return target if is_safe_path(target) else url_for(default_endpoint)

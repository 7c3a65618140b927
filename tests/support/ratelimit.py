"""Flask-Limiter keeps one storage per Limiter, not per app: tests point it back at memory.

An app built with REDIS_URL (to test Redis behaviour) re-initialises the shared limiter's
storage; every other test wants fresh in-memory counters.
"""

from __future__ import annotations

from flask_limiter._extension import STRATEGIES  # noqa: PLC2701
from limits.storage import storage_from_string

from portal.extensions import limiter


def fresh_memory_limits() -> None:
    limiter._storage = storage_from_string("memory://")  # noqa: SLF001
    limiter._limiter = STRATEGIES[limiter._strategy or "fixed-window"](limiter._storage)  # noqa: SLF001
    limiter._storage_dead = False  # noqa: SLF001

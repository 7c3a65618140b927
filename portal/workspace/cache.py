"""What the workspace keeps per process, keyed by a workbook's version column: computed data
(`pages`, a small LRU) and rendered page blocks (`blocks()`, bounded in bytes).

Every change to a workbook's content goes through `service.touch`, which bumps
`workbooks.version`; each request reads the workbook's version first (kept.head) and looks it
up here, so a kept entry is never older than the workbook's last change. What it may show
late: a person's new display name on rows they own (until the next change, or the blocks'
time limit). Nothing about access is kept: roles, a lapsed organisation and the forms' tokens
are per request, and the viewer's class (edit, comment, read-only) is part of every key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app

from portal.content.fragments import FragmentCache

T = TypeVar("T")
SIZE = 256
# Rendered blocks of the overview and the dashboard (WORKSPACE_CACHE_BYTES, default 32 MB): a
# 50-goal, 200-measure dashboard is about 0.3 MB, so the default keeps some hundred big
# workbooks per worker. WORKSPACE_CACHE_SECONDS bounds how long a renamed owner's old name shows.
_EXTENSION = "workspace.blocks"


class VersionedCache:
    """A thread-safe LRU of (kind, org id, workbook id, version, …) → computed value."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


pages = VersionedCache()


def blocks() -> FragmentCache:
    """This app's cache of rendered workspace page blocks (WORKSPACE_CACHE_BYTES and
    WORKSPACE_CACHE_SECONDS override the defaults; 0 switches it off)."""
    return blocks_of(current_app._get_current_object())  # type: ignore[attr-defined]


def blocks_of(app: Flask) -> FragmentCache:
    found = app.extensions.get(_EXTENSION)
    if found is None:
        config = app.config
        found = FragmentCache(config["WORKSPACE_CACHE_BYTES"], config["WORKSPACE_CACHE_SECONDS"])
        app.extensions[_EXTENSION] = found
    return found


def clear() -> None:
    """Forget everything this process keeps for the workspace (tests count fresh pages)."""
    pages.clear()
    blocks().clear()

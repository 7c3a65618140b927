"""A small per-process cache of what a workbook's pages compute from its data, keyed by the
workbook's version column.

Every change to a workbook's content goes through `service.touch`, which bumps
`workbooks.version`; each request reads the workbook row (after the tenant guard) and looks
the version up here, so a cached entry is never older than the workbook's last change. What
it may show late: a person's new display name on rows they own (until the next change).
Nothing about access is cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
SIZE = 256


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

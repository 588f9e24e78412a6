"""A least-recently-used map bounded by the bytes its entries are said to cost: the
document cache and the response cache's memory copy are both this."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class ByteBoundedLRU(Generic[T]):
    """key -> value, the least recently used going first once the entries' sizes pass
    `max_bytes` (an entry larger than that is never kept). Thread safe: tests run several
    event loops in threads against one process."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[T, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    @property
    def max_bytes(self) -> int:
        raise NotImplementedError

    def get(self, key: str) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, value: T, size: int) -> None:
        limit = self.max_bytes
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if size > limit:
                return
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > limit:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.bytes -= evicted

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

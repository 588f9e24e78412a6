"""The response cache's in-process copy of its entries, in front of the shared cache (Redis).

A hit here costs no trip to Redis for the entry (a cached catalog page is tens to hundreds
of kilobytes to fetch and unpickle). It is bounded by bytes (RESPONSE_CACHE_LOCAL_BYTES;
0 turns it off): the least recently used entries go first, and an entry larger than the
bound is never kept.

It needs no invalidation of its own. Its keys are the response cache's keys, which hold
the catalog version, and that version is read from Redis for every request
(`response_cache.cache_key`), never held in the process: a change that committed before
the request began has moved the version already (the move runs on commit, before the
writer's own response), so the request asks for a key no entry of the old catalog is
filed under, here or in Redis. Entries of old versions are only left to age out. Holding
the version in the process (a pub/sub notification of each move) would save that trip but
serve old answers for as long as a notification is in flight, which is never zero."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from django.conf import settings

ENTRY_OVERHEAD = 200  # bytes an entry costs beyond its key and its body (objects, links)

T = TypeVar("T")


class LocalAnswers(Generic[T]):
    """A least-recently-used map of key -> value bounded by the bytes of the values' bodies.
    Thread safe: tests run several event loops in threads against one process."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[T, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    @property
    def max_bytes(self) -> int:
        if self._max_bytes is not None:
            return self._max_bytes
        return settings.RESPONSE_CACHE_LOCAL_BYTES

    def get(self, key: str) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, value: T, body_bytes: int) -> None:
        size = body_bytes + len(key) + ENTRY_OVERHEAD
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

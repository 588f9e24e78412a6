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

from typing import TypeVar

from django.conf import settings

from graphql_api.common.byte_lru import ByteBoundedLRU

ENTRY_OVERHEAD = 200  # bytes an entry costs beyond its key and its body (objects, links)

T = TypeVar("T")


class LocalAnswers(ByteBoundedLRU[T]):
    """The memory copy: bounded by RESPONSE_CACHE_LOCAL_BYTES (or `max_bytes`), an entry
    costing its body's bytes, its key's and ENTRY_OVERHEAD."""

    def __init__(self, max_bytes: int | None = None) -> None:
        super().__init__()
        self._max_bytes = max_bytes

    @property
    def max_bytes(self) -> int:
        if self._max_bytes is not None:
            return self._max_bytes
        return settings.RESPONSE_CACHE_LOCAL_BYTES

    def put(self, key: str, value: T, body_bytes: int) -> None:  # type: ignore[override]
        super().put(key, value, body_bytes + len(key) + ENTRY_OVERHEAD)

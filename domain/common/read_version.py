"""A version number of the public catalog: what an anonymous reader can see.

Cached anonymous responses are keyed by it, so a change makes them unreachable at once
(see graphql_api/http/response_cache.py). The move happens after commit: a reader that
races a writer can only file an old answer under the old version, which no one asks for
again.

Only a change an anonymous reader could see moves it, so that nobody can empty the cache
with writes that change nothing public (a no-op update, a draft product's stock).

Every catalog write runs in `catalog_write()`, and the version moves from that one place:
when the write commits, unless every change it noted was private (`changed(was_public=
False, is_public=False)`) or it noted that it changed nothing (`unchanged()`). A write
that notes nothing moves it: forgetting costs cached answers, never a stale one. The event
writer (domain/events/services.py) notes every product event itself, so services that
record events need not; outside any `catalog_write()` (an order's stock change) an event
moves the version on its own commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from domain.common import async_cache

CATALOG_VERSION_KEY = "read-version:catalog"


def _fresh_start() -> int:
    """Where a version starts when its key is missing (never set, evicted, flushed): the
    clock in microseconds, so a restarted version is above every earlier one (unless more
    than a million changes a second were counted) and never reaches old entries again."""
    return time.time_ns() // 1_000


async def acatalog_version() -> int:
    version = await async_cache.aget(CATALOG_VERSION_KEY)  # no thread hop on Redis
    if version is None:
        await cache.aadd(CATALOG_VERSION_KEY, _fresh_start(), timeout=None)
        version = await cache.aget(CATALOG_VERSION_KEY) or _fresh_start()
    return int(version)


def _bump() -> None:
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:  # missing (evicted, flushed, or never read yet)
        cache.add(CATALOG_VERSION_KEY, _fresh_start(), timeout=None)


def _move_on_commit() -> None:
    """The one place the version is moved from: when the current transaction commits."""
    transaction.on_commit(_bump, robust=True)


@dataclass
class CatalogWrite:
    """What one catalog write changed, as far as anonymous readers are concerned."""

    noted: bool = False
    moves: bool = False

    def changed(self, *, was_public: bool, is_public: bool) -> None:
        """Something changed that anonymous readers could see before (`was_public`) or
        after (`is_public`) the change, or neither (a product only staff see). A public
        change schedules the move at once (once per write), so that it runs before the
        event publications registered after it: a client re-reading on an event must not
        get the old answer."""
        self.noted = True
        if (was_public or is_public) and not self.moves:
            self.moves = True
            _move_on_commit()

    def unchanged(self) -> None:
        """Nothing changed (values equal to the stored ones)."""
        self.noted = True


class _Writes(threading.local):
    def __init__(self) -> None:
        self.stack: list[CatalogWrite] = []


_writes = _Writes()


@contextmanager
def catalog_write() -> Iterator[CatalogWrite]:
    """The transaction of a catalog write (it opens `transaction.atomic()`). The version
    moves when it commits if the write noted a public change, or noted nothing at all.
    A nested write is a write of its own (a rolled-back savepoint drops its move)."""
    write = CatalogWrite()
    _writes.stack.append(write)
    try:
        with transaction.atomic():
            yield write
            if not write.noted:
                write.changed(was_public=True, is_public=True)
    finally:
        _writes.stack.pop()


def catalog_change_record(*, was_public: bool, is_public: bool) -> None:
    """The event writer's note of a product change: into the current `catalog_write()`,
    or, outside one, the version moves on commit when the change was public."""
    if _writes.stack:
        _writes.stack[-1].changed(was_public=was_public, is_public=is_public)
    elif was_public or is_public:
        _move_on_commit()

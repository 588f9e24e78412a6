"""A version number of the public catalog, bumped after every committed change to it.

Cached anonymous responses are keyed by it, so a change makes them unreachable at once
(see graphql_api/response_cache.py). The bump happens after commit: a reader that races a
writer can only file an old answer under the old version, which no one asks for again."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

CATALOG_VERSION_KEY = "read-version:catalog"


def catalog_version() -> int:
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, 1, timeout=None)
        version = cache.get(CATALOG_VERSION_KEY) or 1
    return int(version)


async def acatalog_version() -> int:
    version = await cache.aget(CATALOG_VERSION_KEY)
    if version is None:
        await cache.aadd(CATALOG_VERSION_KEY, 1, timeout=None)
        version = await cache.aget(CATALOG_VERSION_KEY) or 1
    return int(version)


def _bump() -> None:
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:  # missing (evicted, or never read yet)
        cache.set(CATALOG_VERSION_KEY, 2, timeout=None)


def catalog_changed() -> None:
    """Call inside the writing transaction: the version moves once it commits."""
    transaction.on_commit(_bump, robust=True)

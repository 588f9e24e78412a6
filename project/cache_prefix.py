"""Clearing this site's entries of a shared cache, and only those.

Several checkouts, test runs and a running server can share one Redis: `cache.clear()`
there is FLUSHDB, which would also wipe the others' entries and the channel layer's groups.
Django's RedisCache offers nothing public to find keys by prefix, so this talks to the
server of the cache's LOCATION with redis-py (its public client) and deletes the keys under
the cache's KEY_PREFIX (Django's key function writes `<prefix>:<version>:<key>`)."""

from __future__ import annotations

import re
from functools import cache

import redis
from django.conf import settings
from django.core.cache import caches

REDIS_CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"


@cache
def _client(location: str, socket_timeout: float | None) -> redis.Redis:
    return redis.Redis.from_url(
        location, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
    )


def _glob_escaped(text: str) -> str:
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


def clear_own_entries(alias: str = "default") -> int:
    """Delete the entries of cache `alias` under its KEY_PREFIX; without a prefix, or on a
    backend other than Redis (not shared), clear the whole cache. Returns the keys deleted
    on Redis (0 otherwise)."""
    config = settings.CACHES[alias]
    prefix = config.get("KEY_PREFIX")
    if config["BACKEND"] != REDIS_CACHE_BACKEND or not prefix:
        caches[alias].clear()
        return 0
    location = config["LOCATION"]
    # Django writes to the first server of a list (or comma-separated string).
    primary = location[0] if isinstance(location, list | tuple) else location.split(",")[0]
    client = _client(primary, config.get("OPTIONS", {}).get("socket_timeout"))
    keys = list(client.scan_iter(match=f"{_glob_escaped(prefix)}:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)

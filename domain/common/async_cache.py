"""Reads of Django's default cache from async code without a thread hop.

Django's Redis backend runs `cache.aget` through `sync_to_async`, in one thread that every
request shares: under load each read waits for that thread to get the GIL back from the
event loop, and the tail of a cached hit (which reads the catalog version every time)
grows to many times its median. `aget` here reads the same key with redis-py's asyncio
client instead, one per event loop (a connection belongs to one loop), created on first
use with the cache's own URL and socket timeouts.

The value is exactly the one `cache.get` returns: the key is the cache's own
(`make_and_validate_key`: KEY_PREFIX, VERSION, KEY_FUNCTION), and the bytes are decoded
as Django's `RedisSerializer` decodes them (an int is stored as its digits, so that INCR
works; anything else pickled). The read goes to the server Django writes to, so a value
Django's cache has written before the read began is what it returns.

Anything but Django's `RedisCache` with one server and its own serializer (the embedded
default is the local-memory cache) keeps `cache.aget`."""

from __future__ import annotations

import asyncio
import re
import weakref
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
_serializer = RedisSerializer()


def _native_location() -> tuple[str, dict[str, Any]] | None:
    """The server's URL and the client's options, when reads may skip Django's backend."""
    if type(caches["default"]) is not RedisCache:  # `cache` is a proxy of it
        return None
    config = settings.CACHES["default"]
    options = dict(config.get("OPTIONS") or {})
    if {"serializer", "pool_class", "parser_class"} & options.keys():
        return None  # values or connections made otherwise than here
    location = config["LOCATION"]
    servers = re.split("[;,]", location) if isinstance(location, str) else list(location)
    if len(servers) != 1:
        return None  # Django reads from a random replica then
    return servers[0], options


def _client() -> Any | None:
    """This loop's client; None (remembered for the loop) when reads go through Django."""
    loop = asyncio.get_running_loop()
    try:
        return _clients[loop]
    except KeyError:
        pass
    client = None
    location = _native_location()
    if location is not None:
        from redis import asyncio as aioredis

        url, options = location
        client = aioredis.Redis.from_url(url, **options)
    _clients[loop] = client
    return client


async def aget(key: str) -> Any:
    """`cache.get(key)`, read on this event loop (None when missing)."""
    client = _client()
    if client is None:
        return await cache.aget(key)
    raw = await client.get(cache.make_and_validate_key(key))
    return None if raw is None else _serializer.loads(raw)

"""The native asyncio read gives what Django's cache wrote, on every event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from domain.common import async_cache
from domain.common.read_version import CATALOG_VERSION_KEY, _bump, acatalog_version


def on_new_loop(read: Callable[[], Awaitable[Any]]) -> tuple[Any, Any]:
    """`read()`'s result on a new event loop, and the client that loop used."""
    loop = asyncio.new_event_loop()
    try:

        async def run() -> tuple[Any, Any]:
            value = await read()
            client = async_cache._clients.get(asyncio.get_running_loop())
            if client is not None:
                await client.aclose()
            return value, client

        return loop.run_until_complete(run())
    finally:
        loop.close()


@pytest.mark.redis
def test_the_native_read_gives_the_version_django_wrote_on_each_loop():
    # given a version Django's cache stored (an int: stored as its digits) and moved
    cache.set(CATALOG_VERSION_KEY, 41, timeout=None)
    _bump()
    # when it is read on two event loops
    first, first_client = on_new_loop(lambda: async_cache.aget(CATALOG_VERSION_KEY))
    second, second_client = on_new_loop(acatalog_version)
    # then both give Django's value, each through a client of its own loop
    assert first == second == cache.get(CATALOG_VERSION_KEY) == 42
    assert first_client is not None and second_client is not None
    assert first_client is not second_client


@pytest.mark.redis
def test_the_native_read_gives_an_entry_django_wrote_and_none_when_missing():
    # given a response cache entry (a pickled tuple) filed through Django's cache
    entry = (200, "application/json", b'{"data":{"x":1}}', 1234.5)
    cache.set("gql-response:test:entry", entry, timeout=60)
    # when it is read on two event loops, with a key nobody wrote
    found, _ = on_new_loop(lambda: async_cache.aget("gql-response:test:entry"))
    again, _ = on_new_loop(lambda: async_cache.aget("gql-response:test:entry"))
    missing, _ = on_new_loop(lambda: async_cache.aget("gql-response:test:nobody"))
    # then
    assert found == again == entry == cache.get("gql-response:test:entry")
    assert missing is None


def test_without_redis_the_read_goes_through_django_cache(monkeypatch):
    # given the local-memory cache (the embedded default)
    local = LocMemCache("async-cache-test", {})
    local.set("some-key", ("a", 1))
    monkeypatch.setattr(async_cache, "cache", local)
    monkeypatch.setattr(async_cache, "caches", {"default": local})
    # when read
    value, client = on_new_loop(lambda: async_cache.aget("some-key"))
    # then Django's cache answered, with no Redis client made
    assert value == ("a", 1)
    assert client is None

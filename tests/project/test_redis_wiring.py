"""With REDIS_URL set, the channel layer, the cache and Celery's broker all use Redis."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from channels_redis.core import RedisChannelLayer
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from project.celery import app as celery_app

pytestmark = pytest.mark.redis


def test_channel_layer_is_redis_and_delivers_a_group_message():
    # A private instance of the configured layer: its receiving side belongs to this loop.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    assert isinstance(layer, RedisChannelLayer)

    async def round_trip() -> dict:
        channel = await layer.new_channel()
        await layer.group_add("smoke", channel)
        await layer.group_send("smoke", {"type": "smoke.ping", "n": 1})
        message = await layer.receive(channel)
        await layer.group_discard("smoke", channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "smoke.ping", "n": 1}


def test_cache_is_redis_and_round_trips_a_value():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    cache.set("smoke-key", {"a": 1}, timeout=5)
    assert cache.get("smoke-key") == {"a": 1}


def test_celery_broker_is_redis():
    assert celery_app.conf.broker_url.startswith("redis://")

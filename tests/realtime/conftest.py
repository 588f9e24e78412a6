"""Fixtures for the unit tests of realtime/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def in_memory_layer(settings) -> Iterator[None]:
    """Channels' in-memory layer instead of Redis, for unit tests of the bus and the stream
    (one process, one event loop). Redis itself is covered by the WebSocket and daphne
    tests."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()

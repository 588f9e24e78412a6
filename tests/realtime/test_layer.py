"""group_size: what the channel layer says about a group's members (realtime/layer.py
relies on channels-redis internals for it)."""

from __future__ import annotations

import uuid

import pytest

from realtime import bus
from realtime.layer import group_size


@pytest.mark.parametrize("layer", ["configured", "in memory"])
async def test_group_size_counts_the_channels_that_joined(layer, request):
    if layer == "in memory":
        request.getfixturevalue("in_memory_layer")
    group = f"test.{uuid.uuid4().hex}"
    assert await group_size(group) == 0
    async with bus.listen([group]):
        assert await group_size(group) == 1
    assert await group_size(group) == 0

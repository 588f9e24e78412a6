"""What this process asks the channel layer beyond Channels' public API.

Library internals relied on (checked with channels-redis 4.3.0):
- `channels_redis.core.RedisChannelLayer._group_key`: the Redis key of a group's sorted
  set of member channels; Channels has no API to count a group's members.
- `channels_redis.core.RedisChannelLayer.consistent_hash`: which of the layer's Redis
  hosts holds that key.
- `channels_redis.core.RedisChannelLayer.connection`: the Redis connection to that host.

(Channels' in-memory layer is read through its `groups` attribute, an instance dict of
group -> {channel: expiry}, checked with channels 4.3.2.)
"""

from __future__ import annotations

from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer


async def group_size(group: str, *, layer: Any = None) -> int:
    """How many channels have joined `group` on this process's channel layer, or on
    `layer` (on Redis: every process's, since they share it). A process's channel joins
    when its first listener of the group starts and leaves when its last one ends."""
    layer = layer if layer is not None else get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return len(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return int(await connection.zcard(layer._group_key(group)))

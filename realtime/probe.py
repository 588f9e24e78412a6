"""A round trip through the channel layer, for the readiness check (project/health.py):
a message sent to a fresh channel of this process comes back from it. On Redis that
proves what a subscription needs: the layer's connection, its sends and this process's
receiving, not only that the server answers a ping."""

from __future__ import annotations

import secrets

from channels.layers import get_channel_layer

PROBE_TYPE = "realtime.probe"


class LayerUnavailable(Exception):
    """The channel layer is not configured, or answered something else."""


async def layer_round_trip() -> None:
    """Send a message to a new channel and receive it; raises when the layer fails (the
    caller bounds the wait: a layer that stops answering never returns)."""
    layer = get_channel_layer()
    if layer is None:
        raise LayerUnavailable("no channel layer is configured")
    channel = await layer.new_channel()
    token = secrets.token_hex(8)
    await layer.send(channel, {"type": PROBE_TYPE, "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise LayerUnavailable("the channel layer returned another message")

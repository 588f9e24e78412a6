"""A listener's channel leaves its groups however its task ends, cancellation included:
a membership left behind would receive every later event of that group for good."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from channels.layers import get_channel_layer

from realtime import bus
from realtime.layer import group_size

# a group of its own for each run: a failed earlier run may have left members in Redis
GROUP = f"product.membership-test-{uuid.uuid4().hex}"


async def _within(awaitable: Any, step: str, seconds: float = 10) -> Any:
    """`awaitable`, failing the test by name if it takes longer than `seconds`."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise AssertionError(f"stuck: {step}") from None


async def _listen_until_cancelled(entered: asyncio.Event) -> None:
    async with bus.listen([GROUP]):
        entered.set()
        await asyncio.Event().wait()


@pytest.mark.redis
async def test_a_listener_cancelled_while_it_joins_leaves_no_membership(monkeypatch):
    # given a join whose reply is late: Redis has the membership, the caller still waits
    layer = get_channel_layer()
    real_group_add = layer.group_add
    added = asyncio.Event()

    async def group_add_with_a_late_reply(group: str, channel: str) -> None:
        await real_group_add(group, channel)
        added.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(layer, "group_add", group_add_with_a_late_reply)
    listening = asyncio.create_task(_listen_until_cancelled(asyncio.Event()))
    await _within(added.wait(), "the join reached Redis")
    assert await group_size(GROUP) == 1
    # when the subscription is cancelled (its client completed it) during the join
    listening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await _within(listening, "the cancelled listener ended")
    # then the channel is no longer a member
    assert await group_size(GROUP) == 0


@pytest.mark.redis
async def test_a_listener_cancelled_again_while_it_leaves_still_leaves(monkeypatch):
    # given a listener whose leaving is slow
    layer = get_channel_layer()
    real_group_discard = layer.group_discard
    leaving, go_on = asyncio.Event(), asyncio.Event()
    left = asyncio.Event()

    async def slow_group_discard(group: str, channel: str) -> None:
        leaving.set()
        await go_on.wait()
        await real_group_discard(group, channel)
        left.set()

    monkeypatch.setattr(layer, "group_discard", slow_group_discard)
    entered = asyncio.Event()
    listening: asyncio.Task[Any] = asyncio.create_task(_listen_until_cancelled(entered))
    try:
        await _within(entered.wait(), "the listener joined")
        assert await group_size(GROUP) == 1
        # when it is cancelled, and cancelled again while it leaves
        listening.cancel()
        await _within(leaving.wait(), "the listener started leaving")
        listening.cancel()
        go_on.set()
        with pytest.raises(asyncio.CancelledError):
            await _within(listening, "the twice-cancelled listener ended")
        # then it still leaves
        await _within(left.wait(), "the channel left")
        assert await group_size(GROUP) == 0
    finally:
        go_on.set()  # a failed assertion must not leave the leaving blocked
        listening.cancel()

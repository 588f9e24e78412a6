"""The replay-then-live stream: listen first, replay from the event log, then stream live
events, with no duplicate and no gap at the seam.

The event log is the source: live messages only say "something new"; the stream then
reads everything after its position from the log. Event ids are given out in commit order,
so the log read after message N holds every event up to N, even one whose message arrived
later or never. A message that never arrives (the layer drops messages to a full channel;
a Redis restart forgets the groups) is handed over by this process's log poller
(realtime/poller.py) within WS_LOG_POLL_INTERVAL.

What reads the log, and which events a subscriber wants, are the caller's: it hands them
over in a `StreamSource`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from realtime import bus, poller
from realtime.bus import Listener, Stream
from realtime.registry import runtime

Event = dict[str, Any]  # an event's message, as published (JSON-safe)


@dataclass(frozen=True)
class StreamSource:
    """What one subscription follows.

    - `stream`, `groups`: the stream and the channel-layer groups to listen to;
    - `latest_id()`: the newest event id of the log now (a live-only subscription starts
      after it);
    - `read_after(position)`: the events after `position` that this subscription may get,
      oldest first; raises `realtime.errors.ReplayTooLong` when there are too many;
    - `accepts(message)`: whether a live message is one this subscription wants (the
      log read decides in the end; this spares the subscription's task the wake-up and
      the read for messages of no interest: the listener drops them on arrival);
    - `share_key`: subscriptions with the same key (same filters and visibility) in this
      process share each read of the log.
    """

    stream: Stream
    groups: tuple[str, ...]
    latest_id: Callable[[], Awaitable[int]]
    read_after: Callable[[int], Awaitable[list[Event]]]
    accepts: Callable[[Event], bool]
    share_key: Hashable


async def replay_then_live(
    source: StreamSource, *, after_id: int | None, max_pending: int
) -> AsyncGenerator[Event, None]:
    """Every event of `source` after `after_id` (or, without one, after the newest event
    at the start), in id order, each once, for as long as the caller iterates.

    Raises `SlowConsumer` when more than `max_pending` live messages wait, `TransportLost`
    when the channel layer stopped answering, and whatever `read_after` raises
    (`ReplayTooLong`)."""
    async with bus.listen(
        source.groups, max_pending=max_pending, accepts=source.accepts
    ) as listener:
        with poller.watching(source.stream) as log_poller:
            listening_since = time.monotonic()
            listener.start_at(after_id if after_id is not None else await source.latest_id())
            async with contextlib.aclosing(_catch_up(source, listener, listening_since)) as events:
                async for event in events:
                    yield event
            if log_poller is not None:
                log_poller.start_after(listener.floor)
            while True:
                message, heard_at = await listener.next()
                if message["id"] <= listener.floor:
                    continue
                wake = bool(message.get(bus.WAKE_MESSAGE))
                # A read that started after anyone in this process received this event's
                # message started after its commit, so it holds the event: it may be shared.
                first_heard = runtime.first_heard.remember(
                    message["stream"], message["id"], heard_at
                )
                not_before = min(first_heard, heard_at)
                async with contextlib.aclosing(_catch_up(source, listener, not_before)) as events:
                    async for event in events:
                        yield event
                if wake:
                    # the log was read after the poller saw this id: nothing up to it is left
                    listener.advance_to(message["id"])


async def _catch_up(
    source: StreamSource, listener: Listener, not_before: float
) -> AsyncIterator[Event]:
    """Every event of the log after the listener's floor, read no earlier than
    `not_before`; the floor follows each event handed on."""
    position = listener.floor
    events = await runtime.log_reads.get(
        (source.share_key, position), lambda: source.read_after(position), not_before=not_before
    )
    for event in events:
        listener.advance_to(event["id"])
        yield event

"""The event-log poller: the second path for live messages the channel layer lost.

A group send is at most once (a full channel drops it, a Redis restart forgets the
groups), so every WS_LOG_POLL_INTERVAL seconds one poller per stream and event loop reads
which groups have events since its last look (one query, whatever the number of
subscribers) and wakes this loop's listeners of those groups that have not seen that far
(`bus.wake_locally`): only subscriptions whose live message was lost read the log again,
at most an interval late. An interval of 0 or less turns the poller off.

What reads the log is not known here: the composition root hands it over with
`use_log_reader` (realtime imports nothing of the domain).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from django.conf import settings

from realtime import bus, metrics
from realtime.bus import Stream
from realtime.registry import LogReader, runtime

logger = logging.getLogger(__name__)


def use_log_reader(reader: LogReader) -> None:
    """Read the event log with `reader` (once, at the composition root)."""
    runtime.log_reader = reader


def running(stream: Stream) -> LogPoller | None:
    """This event loop's poller of `stream`, if any."""
    return runtime.pollers.get(asyncio.get_running_loop(), {}).get(stream)


@contextlib.contextmanager
def watching(stream: Stream) -> Iterator[LogPoller | None]:
    """Keep `stream`'s poller of this event loop running for the block (None when polling
    is off)."""
    if settings.WS_LOG_POLL_INTERVAL <= 0:
        yield None
        return
    reader = runtime.log_reader
    if reader is None:
        raise RuntimeError(
            "no event-log reader: call realtime.poller.use_log_reader at the composition root"
        )
    pollers = runtime.pollers.setdefault(asyncio.get_running_loop(), {})
    poller = pollers.get(stream)
    if poller is None or poller.task is None or poller.task.done():
        poller = pollers[stream] = LogPoller(stream, reader)
        poller.task = asyncio.create_task(poller.run())
    poller.watchers += 1
    try:
        yield poller
    finally:
        poller.watchers -= 1
        if poller.watchers == 0 and poller.task is not None:
            poller.task.cancel()
            if pollers.get(stream) is poller:
                del pollers[stream]


class LogPoller:
    """One per stream and event loop while that stream has watchers (see the module). It
    starts from the lowest position of the watchers."""

    BATCH = 1000

    def __init__(self, stream: Stream, reader: LogReader) -> None:
        self.stream = stream
        self.reader = reader
        self.watchers = 0
        self.last_id: int | None = None
        self.task: asyncio.Task[None] | None = None

    def start_after(self, position: int) -> None:
        """A watcher has read the log up to `position`: poll from there at the latest
        (reading a few events again only wakes nobody)."""
        self.last_id = position if self.last_id is None else min(self.last_id, position)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(settings.WS_LOG_POLL_INTERVAL)
            try:
                await self.look()
            except Exception:
                logger.warning(
                    "event log poll of %s failed; next try in an interval",
                    self.stream,
                    exc_info=True,
                )

    async def look(self) -> None:
        """Read the log after `last_id` and wake the listeners of the groups that have
        news, batch by batch. Nothing while no watcher has its position yet."""
        while self.last_id is not None:
            batch = await self.reader(stream=self.stream, after_id=self.last_id, limit=self.BATCH)
            newest_by_group: dict[str, int] = {}
            for groups, message in batch:
                for group in groups:
                    newest_by_group[group] = message["id"]
            if batch:
                woken = bus.wake_locally(self.stream, newest_by_group)
                metrics.POLLER_WAKEUPS[self.stream].inc(woken)
                self.last_id = max(self.last_id, batch[-1][1]["id"])
            if len(batch) < self.BATCH:
                return
            await asyncio.sleep(0)

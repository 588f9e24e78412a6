"""Single-flight reads: one read per key for everyone who asks while it is in flight."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

# How long a successful answer keyed by event stays shareable after its read ends: the
# subscribers of one event reach their read one after another over the fan-out (hundreds
# of ms for a thousand subscribers), so they share it if it is kept about a second.
SHARE_WINDOW = 1.0


class SingleFlight:
    """One read per key for the callers that ask while it is in flight: the thousand
    subscribers of a product in one process, woken by the same event, share one query
    instead of running one each. Nothing is remembered once a read ends (so every answer
    is fresh, and a failed read is not handed to anyone who asks later), unless `keep_for`.

    `not_before` (of `get`): join only a read that started at or after this moment
    (`time.monotonic`). A subscriber woken by an event passes the moment it heard of it,
    so the read it joins certainly includes that event.

    `keep_for`: seconds a successful answer stays shareable after its read ends (0: only
    while in flight); `keep_when`, if given, must also accept the answer. For reads keyed
    by event, a short time (`SHARE_WINDOW`) lets the subscribers of one event, which reach
    it one after the other, share the read."""

    def __init__(
        self, *, keep_for: float = 0.0, keep_when: Callable[[Any], bool] | None = None
    ) -> None:
        self.keep_for = keep_for
        self.keep_when = keep_when
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reads: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}

    async def get(
        self, key: Hashable, load: Callable[[], Awaitable[T]], *, not_before: float = 0.0
    ) -> T:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # futures belong to one loop
            self._loop, self._reads = loop, {}
        entry = self._reads.get(key)
        if entry is None or entry[0] < not_before:
            future = asyncio.ensure_future(load())
            entry = self._reads[key] = (time.monotonic(), future)
            future.add_done_callback(lambda done, entry=entry: self._ended(key, entry, done))
        return await asyncio.shield(entry[1])

    def _ended(
        self,
        key: Hashable,
        entry: tuple[float, asyncio.Future[Any]],
        done: asyncio.Future[Any],
    ) -> None:
        def forget() -> None:
            if self._reads.get(key) is entry:
                del self._reads[key]

        if (
            self.keep_for
            and not done.cancelled()
            and done.exception() is None
            and (self.keep_when is None or self.keep_when(done.result()))
        ):
            asyncio.get_running_loop().call_later(self.keep_for, forget)
        else:
            forget()

"""The one registry of realtime's process-wide state.

Lifetime: one `Runtime` per process (`runtime`, below), created at import and living as
long as the process. Everything in it is either keyed by event loop or emptied when its
users end (listeners leave their groups, pollers stop with their last watcher, reads are
forgotten within `SHARE_WINDOW`), so nothing needs resetting in production. Tests, which
run each in its own event loop, call `runtime.reset()` between tests (an autouse fixture in
tests/support/websocket.py) so that what a failed test left behind cannot reach the next.
The configuration (`log_reader`) survives `reset()`: it is set once, at the composition
root.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from realtime.single_flight import SHARE_WINDOW, SingleFlight

if TYPE_CHECKING:
    from realtime.bus import Listener, Stream
    from realtime.memberships import GroupRouter
    from realtime.poller import LogPoller

# How many events' first-heard moments are remembered (oldest forgotten first).
FIRST_HEARD_MEMORY = 10_000


class LogReader(Protocol):
    """Reads the event log for the poller: (groups, message) of the committed events of
    `stream` after `after_id`, oldest first, at most `limit`."""

    def __call__(
        self, *, stream: Stream, after_id: int, limit: int
    ) -> Awaitable[list[tuple[list[str], dict[str, Any]]]]: ...


class FirstHeard:
    """When this process first heard of each recent event (any of its listeners): a read
    of the log that started after that moment holds the event, so it may be shared."""

    def __init__(self, memory: int = FIRST_HEARD_MEMORY) -> None:
        self.memory = memory
        self._at: dict[tuple[str, int], float] = {}

    def remember(self, stream: str, event_id: int, heard_at: float) -> float:
        """The first moment this process heard of the event (`heard_at` if this is it)."""
        first = self._at.setdefault((stream, event_id), heard_at)
        if len(self._at) > self.memory:
            self._at.pop(next(iter(self._at)))
        return first

    def clear(self) -> None:
        self._at.clear()


class Runtime:
    """Process-wide realtime state (see the module for its lifetime):

    - `pollers`: the running `LogPoller` of each stream, per event loop;
    - `log_reads`: "the log after N" read once for the subscribers at N (single flight);
    - `first_heard`: when this process first heard of each recent event;
    - `shared(name)`: named single-flight reads of the layers above (e.g. one execution
      of an event per document and viewer), so their state lives here too;
    - `routers`: the channel and group memberships of each event loop, and its
      listeners by group (realtime/memberships.py);
    - `log_reader`: what the poller reads the event log with (configuration).
    """

    def __init__(self) -> None:
        self.log_reader: LogReader | None = None
        self.pollers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[Stream, LogPoller]
        ] = weakref.WeakKeyDictionary()
        self.log_reads = SingleFlight(keep_for=SHARE_WINDOW)
        self.first_heard = FirstHeard()
        self._shared: dict[str, SingleFlight] = {}
        self.routers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupRouter] = (
            weakref.WeakKeyDictionary()
        )

    def shared(
        self,
        name: str,
        *,
        keep_for: float = SHARE_WINDOW,
        keep_when: Callable[[Any], bool] | None = None,
    ) -> SingleFlight:
        """The single-flight reads registered under `name` (made on first use with these
        options; `name` is the caller's, e.g. its module and what it reads)."""
        reads = self._shared.get(name)
        if reads is None:
            reads = self._shared[name] = SingleFlight(keep_for=keep_for, keep_when=keep_when)
        return reads

    def listeners_of(self, group: str) -> frozenset[Listener]:
        """This process's bus listeners of `group` (its routers' event members, from the
        start of their join to the start of their leaving), as they are now; for
        `bus.wake_locally`."""
        return frozenset(
            member
            for routes in self.routers.values()
            for member in routes.members_of(group)
            if member.kind == "events"
        )

    def reset(self) -> None:
        """Forget all state (not the configuration): between tests."""
        self.pollers.clear()
        for each in self.routers.values():
            each.abandon()
        self.routers.clear()
        self.log_reads = SingleFlight(keep_for=SHARE_WINDOW)
        self.first_heard.clear()
        self._shared.clear()


runtime = Runtime()

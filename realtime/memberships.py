"""One channel-layer membership per group and process, shared by every listener of the
group in the process, with messages routed to those listeners in the process.

With a channel per subscription, an event published to a group of 1,000 subscribers was
1,000 copies in Redis, 1,000 blocking pops and 1,000 receiving tasks woken, per event,
whatever the subscribers did with it. Here each event loop has one channel (`GroupRouter`)
that joins a group when its first local member joins and leaves it when its last one
leaves; one task receives for all of them and hands each message to the members of the
group it was sent to (publishers put the group in the message, realtime/bus.py). A member
decides in its `handle` whether to queue the message (a listener drops the event types it
was not asked for there, without waking its subscription).

Membership is confirmed before a member's `join` returns, so a caller that reads the log
after joining misses nothing published meanwhile. A receive that keeps failing (Redis gone)
is reported to the members with `fail` (subscriptions end with 1012 and resume by cursor
elsewhere); the router keeps receiving, and joins its groups again once Redis answers (a
restarted Redis has forgotten them), and every `REJOIN_INTERVAL` or a third of the layer's
`group_expiry`, whichever is shorter: the layer drops a membership that many seconds after
it was last joined, so a live process's memberships are renewed while a killed process's
expire (each send to the group writes to a dead member's channel until then).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeVar

from channels.layers import get_channel_layer

from realtime import metrics
from realtime.registry import runtime

logger = logging.getLogger(__name__)

RECEIVE_RETRY_DELAYS = (0.1, 0.5, 1.0)  # then the members are told the transport is lost
REJOIN_INTERVAL = 300.0  # seconds between renewals of every membership (group expiry)
REJOIN_RETRY = 1.0  # seconds between attempts to join again after receiving failed


class Member(Protocol):
    """What a router hands messages to."""

    kind: str  # what it is, for the metrics: "events" or "notifications"

    def handle(self, message: dict[str, Any]) -> None:
        """A message sent to one of the member's groups (or, from a publisher that does
        not name the group, to any group of this process)."""

    def fail(self, error: BaseException) -> None:
        """Receiving has failed repeatedly; messages may have been lost."""


M = TypeVar("M", bound=Member)


async def retrying(call: Callable[[], Awaitable[Any]], delays: tuple[float, ...]) -> Any:
    """Await `call()`, again after a short pause when it fails: the first command on a
    pooled connection to a restarted Redis fails once."""
    for delay in delays:
        try:
            return await call()
        except Exception:
            await asyncio.sleep(delay)
    return await call()


# Seconds between repeated cancellations of a receiving task that has not ended (`stop`).
STOP_RETRY = 0.5


async def stop(task: asyncio.Task[None]) -> None:
    """Cancel `task` and wait until it has ended.

    A cancellation can be lost inside channels-redis's receive (seen with redis-py 8.1: the
    task stays "cancelling" while a new BZPOPMIN is read, and that receive loops for good),
    so the request is repeated until the task ends."""
    while not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait({task}, timeout=STOP_RETRY)


class GroupRouter:
    """This event loop's channel, its group memberships and their local members."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self._members: dict[str, set[Member]] = {}
        self._joined: set[str] = set()  # confirmed memberships
        self._maybe_joined: set[str] = set()  # a join was cut off: Redis may hold it
        self._locks: dict[str, asyncio.Lock] = {}
        self._started = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._receiving: list[asyncio.Task[None]] = []  # the receiving and renewing tasks
        self._rejoin_now = asyncio.Event()

    def members_of(self, group: str) -> frozenset[Member]:
        return frozenset(self._members.get(group, ()))

    def joined_groups(self) -> frozenset[str]:
        """The groups this process's channel is a confirmed member of."""
        return frozenset(self._joined)

    @contextlib.asynccontextmanager
    async def membership(self, groups: Iterable[str], member: M) -> AsyncIterator[M]:
        """`member` in `groups` (duplicates ignored) for the duration of the block, joined
        before it runs."""
        groups = list(dict.fromkeys(groups))
        await self.join(groups, member)
        try:
            yield member
        finally:
            await self.leave(groups, member)

    async def join(self, groups: list[str], member: Member) -> None:
        """Add `member` to `groups`; returns once this process's channel is a member of
        every one of them (a join that fails or is cancelled undoes itself)."""
        for group in groups:
            self._members.setdefault(group, set()).add(member)
        try:
            channel = await self._channel()
            for group in groups:
                await self._ensure_joined(group, channel)
        except BaseException:
            await self._remove(groups, member)
            raise
        metrics.ROUTED_MEMBERS[member.kind].inc()

    async def leave(self, groups: list[str], member: Member) -> None:
        """Take `member`, which joined `groups`, out of them; the channel leaves each
        group left with no member. The leaving runs in a task of its own, shielded: a
        second cancellation of the caller ends its wait, not the leaving."""
        metrics.ROUTED_MEMBERS[member.kind].dec()
        await self._remove(groups, member)

    async def _remove(self, groups: list[str], member: Member) -> None:
        emptied = []
        for group in groups:
            members = self._members.get(group)
            if members is None:
                continue
            members.discard(member)
            if not members:
                del self._members[group]
                emptied.append(group)
        if emptied and self.channel is not None:
            leaving = self._spawn(self._leave_if_unused(emptied, self.channel))
            await asyncio.shield(leaving)

    def abandon(self) -> None:
        """Stop receiving and renewing at once (the memberships stay until they expire)."""
        metrics.ROUTED_GROUPS.dec(len(self._joined))
        self._joined.clear()
        for task in list(self._tasks):
            with contextlib.suppress(RuntimeError):  # its event loop has been closed
                task.cancel()

    async def _channel(self) -> str:
        """The channel, with its receiving task running (started by the first member)."""
        async with self._started:
            if self.channel is None:
                self.channel = await retrying(self.layer.new_channel, RECEIVE_RETRY_DELAYS)
            if not self._receiving:
                self._receiving = [self._spawn(self._receive()), self._spawn(self._renew())]
        return self.channel

    async def _stop_receiving_if_idle(self) -> None:
        """With no member left, receiving stops (a member that joins starts it again):
        nothing of this router outlives its last subscription, so no task of it is left
        for an event loop's shutdown to cancel."""
        async with self._started:
            if self._members or not self._receiving:
                return
            for task in self._receiving:
                await stop(task)
            self._receiving = []

    @contextlib.asynccontextmanager
    async def _locked(self, group: str) -> AsyncIterator[None]:
        """The group's lock, held. A lock is dropped (under itself) once its group has no
        member left; whoever was waiting for it then takes the group's current one."""
        while True:
            lock = self._locks.setdefault(group, asyncio.Lock())
            async with lock:
                if self._locks.get(group) is lock:
                    yield
                    return

    async def _ensure_joined(self, group: str, channel: str) -> None:
        async with self._locked(group):
            if group in self._joined:
                return
            self._maybe_joined.add(group)
            await retrying(lambda: self.layer.group_add(group, channel), RECEIVE_RETRY_DELAYS)
            self._joined.add(group)
            self._maybe_joined.discard(group)
            metrics.ROUTED_GROUPS.inc()

    async def _leave_if_unused(self, groups: list[str], channel: str) -> None:
        for group in groups:
            async with self._locked(group):
                if group in self._members:
                    continue  # joined again meanwhile
                if group in self._joined or group in self._maybe_joined:
                    with contextlib.suppress(Exception):
                        await self.layer.group_discard(group, channel)
                    if group in self._joined:
                        metrics.ROUTED_GROUPS.dec()
                    self._joined.discard(group)
                    self._maybe_joined.discard(group)
                if group not in self._members:
                    self._locks.pop(group, None)
        await self._stop_receiving_if_idle()

    def _spawn(self, coroutine: Any) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _dispatch(self, message: dict[str, Any]) -> None:
        group = message.get("group")
        if group is None:
            members = {member for each in self._members.values() for member in each}
        else:
            members = set(self._members.get(group, ()))
        for member in members:
            try:
                member.handle(message)
            except Exception:
                logger.exception("a member of %s failed to take a message", group)

    async def _receive(self) -> None:
        assert self.channel is not None
        failures = 0
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                # A Redis that restarted has forgotten the groups: join them again as soon
                # as it answers (however short the outage), and tell the members only if
                # it lasts (their subscriptions close and resume by cursor elsewhere).
                self._rejoin_now.set()
                if failures == len(RECEIVE_RETRY_DELAYS) + 1:
                    for member in {m for each in self._members.values() for m in each}:
                        member.fail(error)
                delay = RECEIVE_RETRY_DELAYS[min(failures, len(RECEIVE_RETRY_DELAYS)) - 1]
                await asyncio.sleep(delay)
                continue
            failures = 0
            self._dispatch(message)

    @property
    def rejoin_interval(self) -> float:
        """Seconds between renewals: a third of the layer's group expiry at most."""
        expiry = getattr(self.layer, "group_expiry", None)
        return min(REJOIN_INTERVAL, expiry / 3) if expiry else REJOIN_INTERVAL

    async def _renew(self) -> None:
        """Join every group again every `rejoin_interval`, and soon after receiving failed."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._rejoin_now.wait(), self.rejoin_interval)
            self._rejoin_now.clear()
            if not await self._rejoin_all():
                await asyncio.sleep(REJOIN_RETRY)
                self._rejoin_now.set()

    async def _rejoin_all(self) -> bool:
        assert self.channel is not None
        for group in list(self._joined):
            async with self._locked(group):
                if group not in self._joined:
                    continue
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:
                    return False
        return True


def router() -> GroupRouter:
    """This event loop's router on the current channel layer (made on first use)."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = runtime.routers.get(loop)
    if current is None or current.layer is not layer:
        if current is not None:
            current.abandon()  # the layer was replaced (tests make a new one per test)
        current = runtime.routers[loop] = GroupRouter(layer)
    return current

"""A WebSocket connection follows its sign-in, and lives at most WS_MAX_CONNECTION_AGE.

A connection's viewer is checked at `connection_init` and then kept, so something must end
the connection when that check would no longer pass:

- the access token's expiry, or the session's expiry date: a timer at that moment;
- a password change, sign-out, revoked device, revoked API key, deactivation, change of
  the staff flag or deletion: the domain tells the user's group
  (`realtime.bus.user_auth_group`) after commit, on every process, and each of the user's
  connections checks its sign-in again;
- a notification the layer lost: every WS_AUTH_RECHECK_INTERVAL seconds anyway.

When the sign-in no longer holds the connection is closed with 4401: the client signs in
again (or refreshes its token), reconnects and resumes its subscriptions by cursor."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from domain.accounts.authentication import SignIn, sign_in_recheck
from realtime import bus

logger = logging.getLogger(__name__)

SIGNED_OUT_CLOSE_CODE = 4401  # graphql-transport-ws "Unauthorized": sign in, then reconnect
SIGNED_OUT_REASON = "Sign-in ended: sign in again, reconnect and resume from your last cursor."
# "Going Away" rather than 4401: nothing is wrong with the credentials, the connection is
# just old, and clients (graphql-ws, Apollo) reconnect after 1001 by themselves, whereas
# they treat 4401 as fatal and wait for the application to sign in again.
MAX_AGE_CLOSE_CODE = 1001
MAX_AGE_REASON = "Connection too old: reconnect and resume from your last cursor."
SHORTEST_WAIT = 0.05  # seconds: a timer that fires a hair early does not spin
# Periodic checks and age limits are spread over the last quarter (a tenth) of their
# interval: connections opened together (a deploy, a network blip) must not query or
# reconnect in lockstep ever after.
RECHECK_SPREAD = 0.25
AGE_SPREAD = 0.1
RETRY_AFTER_FAILURE = 5.0  # seconds: the database did not answer a check

Close = Callable[[int, str], Awaitable[None]]


def _recheck(sign_in: SignIn) -> SignIn | None:
    """`sign_in_recheck` on a live connection: the thread for database work of WebSocket
    connections keeps its connection, which no request cycle closes; a dead one (e.g.
    PostgreSQL restarted) is replaced once."""
    try:
        return sign_in_recheck(sign_in)
    except (OperationalError, InterfaceError):
        connection.close()
        return sign_in_recheck(sign_in)


class ConnectionWatch:
    """The timers of one connection: its age limit, and its sign-in once it has one."""

    def __init__(self, close: Close) -> None:
        self._close = close
        self._tasks: list[asyncio.Task[None]] = []
        self.sign_in: SignIn | None = None

    def limit_age(self, seconds: float) -> None:
        """Close the connection (1001) once it is `seconds` old; 0 or less: no limit."""
        if seconds > 0:
            self._start(self._close_when_old(seconds))

    def follow(self, sign_in: SignIn | None) -> None:
        """Keep the connection only as long as `sign_in` holds (once per connection)."""
        if sign_in is None or self.sign_in is not None:
            return
        self.sign_in = sign_in
        self._start(self._follow(sign_in))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        task.add_done_callback(_log_failure)
        self._tasks.append(task)

    async def _close_when_old(self, seconds: float) -> None:
        await asyncio.sleep(seconds * random.uniform(1 - AGE_SPREAD, 1))
        await self._close(MAX_AGE_CLOSE_CODE, MAX_AGE_REASON)

    async def _follow(self, sign_in: SignIn) -> None:
        async with bus.notifications([bus.user_auth_group(sign_in.user_id)]) as told:
            # Check once now that the group is joined: a change that committed between
            # the connection's first check and the join was told to no one here.
            while True:
                try:
                    current = await sync_to_async(_recheck)(sign_in)
                except Exception:
                    logger.warning("sign-in check failed; trying again", exc_info=True)
                    await told.wait(RETRY_AFTER_FAILURE)
                    continue
                if current is None:
                    await self._close(SIGNED_OUT_CLOSE_CODE, SIGNED_OUT_REASON)
                    return
                sign_in = current
                await told.wait(_seconds_to_next_check(sign_in))


def _seconds_to_next_check(sign_in: SignIn) -> float | None:
    """Until the sign-in ends by itself or the next periodic check, whichever is first
    (None: neither; WS_AUTH_RECHECK_INTERVAL of 0 or less turns periodic checks off)."""
    waits = []
    if settings.WS_AUTH_RECHECK_INTERVAL > 0:
        spread = random.uniform(1 - RECHECK_SPREAD, 1)
        waits.append(settings.WS_AUTH_RECHECK_INTERVAL * spread)
    if sign_in.ends_at is not None:
        waits.append((sign_in.ends_at - datetime.now(UTC)).total_seconds())
    return max(min(waits), SHORTEST_WAIT) if waits else None


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("connection watch failed", exc_info=task.exception())

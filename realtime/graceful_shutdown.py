"""SIGTERM under daphne: stop accepting, drain (realtime/draining.py), then stop.

Daphne's own SIGTERM (Twisted's) stops the reactor at once: every application instance is
cancelled, in-flight HTTP requests are cut and WebSockets drop without a close frame
(clients see 1006 and cannot tell a restart from a crash). `install` replaces it, once the
reactor runs, with:

1. stop listening (every listening port of the process is daphne's): a new connection is
   refused, so a load balancer or a reconnecting client goes to another process;
2. `process_draining.drain(SHUTDOWN_GRACE_SECONDS)`: open WebSockets are closed with 1001
   and in-flight HTTP requests answer, for at most the grace period;
3. stop the reactor as Twisted's handler would (daphne then cancels what is left).

A second SIGTERM stops at once. A watchdog thread ends the process
`SHUTDOWN_STOP_SECONDS` after the grace period if stopping hangs, so a process always exits
within `SHUTDOWN_GRACE_SECONDS + SHUTDOWN_STOP_SECONDS` of the first SIGTERM. SIGINT
(Ctrl-C) keeps Twisted's immediate stop.

Only a process that daphne serves is changed: the handler is installed when the reactor
runs, which only daphne's server (or its `runserver`) does; where daphne's server module was
not imported, `install` does nothing, so that importing the ASGI application never installs
a Twisted reactor of its own.

Library internals relied on (checked with daphne 4.2.3, Twisted 26.10.0):
- `daphne.server.Server.run`: runs the Twisted reactor with Twisted's signal handlers,
  installed as the reactor starts, before `callWhenRunning` calls; ours replace them then.
- `daphne.server.Server.kill_all_applications`: run first by `reactor.stop()` (a
  before-shutdown trigger): cancels the application instances the drain left.
- `twisted.internet.base.ReactorBase.sigTerm`: Twisted's SIGTERM handler (stop at once),
  what ours replaces.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from typing import Any

from django.conf import settings

from realtime.draining import Draining, process_draining

logger = logging.getLogger(__name__)

# How long stopping may take once the drain ended, before the watchdog ends the process.
SHUTDOWN_STOP_SECONDS = 5.0
FORCED_EXIT_STATUS = 1


class GracefulShutdown:
    """The SIGTERM handling of one daphne process (see the module)."""

    def __init__(self, reactor: Any, draining: Draining, grace: float) -> None:
        self.reactor = reactor
        self.draining = draining
        self.grace = grace
        self.task: asyncio.Task[None] | None = None

    def take_over_sigterm(self) -> None:
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, number: int, frame: Any) -> None:
        # A signal handler runs between two bytecodes of the main thread: hand over to
        # the reactor's loop, as Twisted's own handler does.
        if self.task is None:
            self.reactor.callFromThread(self.begin)
        else:
            logger.warning("Second SIGTERM: stopping without waiting for the drain")
            self.reactor.callFromThread(self._stop)

    def begin(self) -> None:
        if self.task is not None:
            return
        logger.warning("SIGTERM: draining for at most %.1f s, then stopping", self.grace)
        self._start_watchdog(self.grace + SHUTDOWN_STOP_SECONDS)
        self.stop_listening()
        self.task = asyncio.get_running_loop().create_task(self._drain_then_stop())

    def stop_listening(self) -> None:
        from twisted.internet.interfaces import IListeningPort

        for reader in self.reactor.getReaders():
            if IListeningPort.providedBy(reader):
                reader.stopListening()

    async def _drain_then_stop(self) -> None:
        try:
            await self.draining.drain(self.grace)
        finally:
            self._stop()

    def _stop(self) -> None:
        if self.reactor.running:
            self.reactor.stop()

    @staticmethod
    def _start_watchdog(seconds: float) -> None:
        def force_exit() -> None:
            logger.error("Not stopped %.1f s after SIGTERM: exiting now", seconds)
            logging.shutdown()
            os._exit(FORCED_EXIT_STATUS)

        watchdog = threading.Timer(seconds, force_exit)
        watchdog.daemon = True  # a normal exit does not wait for it
        watchdog.start()


def install() -> GracefulShutdown | None:
    """From the composition root: under daphne, drain on SIGTERM (see the module)."""
    if "daphne.server" not in sys.modules:
        return None  # no daphne here: leave signals (and Twisted) alone
    from twisted.internet import reactor  # daphne's asyncio reactor, installed already

    shutdown = GracefulShutdown(reactor, process_draining, float(settings.SHUTDOWN_GRACE_SECONDS))
    reactor.callWhenRunning(shutdown.take_over_sigterm)
    return shutdown

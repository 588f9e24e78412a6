"""realtime's own exceptions: the runtime raises these and never closes a socket itself;
the API layer above maps them to close codes and client errors."""

from __future__ import annotations


class RealtimeError(Exception):
    """Base of what a stream of events raises to its consumer."""


class SlowConsumer(RealtimeError):
    """More events arrived than the listener consumed within its bound."""


class TransportLost(RealtimeError):
    """The channel layer stopped answering (e.g. Redis went down)."""


class ReplayTooLong(RealtimeError):
    """More events to replay since the requested position than a stream replays: the
    client must reload and start afresh. Raised by a stream's log reader."""

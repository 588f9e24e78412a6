"""WebSocket routing: GraphQL subscriptions at /graphql/, the same path as HTTP."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import re_path

from realtime.metrics import OPEN_CONNECTIONS
from realtime.middleware import AllowedHostsValidator


def counted(consumer: Any) -> Any:
    """`consumer` counted in `realtime_open_websocket_connections` while it serves a
    socket: its ASGI instance lives from the handshake until the socket's end has been
    handled (or daphne ends it), so nothing per frame is added."""

    async def application(scope: Any, receive: Any, send: Any) -> Any:
        OPEN_CONNECTIONS.inc()
        try:
            return await consumer(scope, receive, send)
        finally:
            OPEN_CONNECTIONS.dec()

    return application


def websocket_application(consumer: Any) -> Any:
    """The WebSocket side of the ASGI app, around the consumer the composition root gives
    (which checks the Origin itself)."""
    return AllowedHostsValidator(
        AuthMiddlewareStack(URLRouter([re_path(r"^graphql/?$", counted(consumer))]))
    )

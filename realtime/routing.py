"""WebSocket routing: GraphQL subscriptions at /graphql/, the same path as HTTP."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import re_path

from realtime.middleware import AllowedHostsValidator


def websocket_application(consumer: Any) -> Any:
    """The WebSocket side of the ASGI app, around the consumer the composition root gives
    (which checks the Origin itself)."""
    return AllowedHostsValidator(
        AuthMiddlewareStack(URLRouter([re_path(r"^graphql/?$", consumer)]))
    )

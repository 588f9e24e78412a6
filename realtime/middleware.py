"""WebSocket handshake check: the Host must be one of ALLOWED_HOSTS, as Django requires of
every HTTP request (Channels does not check it).

This is not the Origin check. That one is made once, by the consumer (strawberry's
`allowed_origins`, fed from CORS_ALLOWED_ORIGINS, the list HTTP's CORS answers use): a
handshake without Origin (not a browser) or from the page's own origin passes, any other
origin only when listed. It compares Origin with Host, so the Host must be ours: otherwise
a page on an attacker's domain that resolves to this server (DNS rebinding) would count as
same-origin.

Library internals relied on (checked with channels 4.3.2):
- `channels.security.websocket.WebsocketDenier`: the ASGI application Channels' own origin
  validator refuses a handshake with (HTTP 403); not in Channels' documented API.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger(__name__)


def allowed_host(host: str) -> bool:
    """Whether `host` (a Host header, port included) names this site, by Django's rule."""
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:  # as Django's HttpRequest.get_host
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


class AllowedHostsValidator:
    """Refuse (HTTP 403) a WebSocket handshake whose Host is not one of ALLOWED_HOSTS. A
    handshake without Host (no HTTP/1.1 client, and no browser, sends one) passes."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        host = next((value for name, value in scope.get("headers", []) if name == b"host"), None)
        if host is None or allowed_host(host.decode("latin-1")):
            return await self.application(scope, receive, send)
        logger.warning("WebSocket handshake refused: Host %r is not in ALLOWED_HOSTS", host)
        return await WebsocketDenier()(scope, receive, send)

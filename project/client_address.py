"""The client's address (and scheme) behind trusted reverse proxies, worked out once, in
front of everything else, for HTTP and WebSocket alike.

`TrustedProxyMiddleware` wraps the whole ASGI application and rewrites `scope["client"]`
before Django or Channels see it, so Django's `REMOTE_ADDR`, the admin, the sign-in and
registration limits and the WebSocket consumer all see the same address.

Why count proxies instead of trusting `X-Forwarded-For`: every proxy *appends* the address
it received the request from, so only the right-most entries were written by proxies we run;
everything to their left came from the client and may be forged. With
`TRUSTED_PROXY_COUNT = n`, the client is the n-th entry from the right. With 0 (daphne faces
clients itself) the header is ignored and the peer address is the client. daphne's own
`--proxy-headers` trusts the left-most entry instead, and must stay off.

Counting only holds when every request comes through those proxies: with a count of 1, a
client reaching daphne directly would name its own address. So daphne listens where only
the proxy reaches it (127.0.0.1, a Unix socket, a private network).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Any]

_SCHEMES = {
    "http": {"http": "http", "https": "https", "ws": "http", "wss": "https"},
    "websocket": {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"},
}


def header_entries(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[str]:
    """The comma-separated entries of every `name` header, in order (repeated headers are
    one list, as HTTP defines them)."""
    return [
        entry.strip()
        for key, value in headers
        if key.lower() == name
        for entry in value.decode("latin-1").split(",")
    ]


def parse_address(entry: str) -> tuple[str, int] | None:
    """`entry` as (address, port) when it is an IP address, with or without a port
    (`203.0.113.7`, `203.0.113.7:5123`, `2001:db8::1`, `[2001:db8::1]:443`); None for
    anything else (`unknown`, a host name, an obfuscated identifier, garbage), which is
    never taken as a client's address. The address is normalised (`2001:DB8::0:1` is
    `2001:db8::1`), so one client has one throttle bucket however it is spelled."""
    host, port_text = entry, ""
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:]
    elif entry.count(":") == 1:  # an IPv4 address with a port
        host, _, port_text = entry.partition(":")
    if port_text and not (port_text.isascii() and port_text.isdigit() and int(port_text) < 65536):
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return str(address), int(port_text or 0)


def client_address(
    peer: tuple[str, int] | list[Any] | None, forwarded_for: list[str], trusted_proxies: int
) -> tuple[str, int] | list[Any] | None:
    """The client's (address, port): the `trusted_proxies`-th entry from the right of
    X-Forwarded-For, else the peer.

    A header with fewer entries than there are trusted proxies did not come through all of
    them: the request reached an inner proxy, or daphne, directly. Its left-most entries
    may then be the client's own invention, and nothing in the header tells which, so it is
    treated as forged and the peer is the client (at worst the inner proxy's address, one
    bucket shared by the clients that bypass the outer one: coarse, never forgeable). So is
    a header whose chosen entry is not an IP address."""
    if trusted_proxies <= 0 or len(forwarded_for) < trusted_proxies:
        return peer
    chosen = parse_address(forwarded_for[-trusted_proxies])
    if chosen is None:
        logger.warning(
            "X-Forwarded-For entry %r is not an IP address; using the peer address",
            forwarded_for[-trusted_proxies][:64],
        )
        return peer
    return chosen


def client_scheme(scope_type: str, forwarded_proto: list[str], trusted_proxies: int) -> str | None:
    """The scheme the client used, from X-Forwarded-Proto: the value the outermost trusted
    proxy wrote (the `trusted_proxies`-th from the right; the first one when proxies
    overwrite the header rather than append to it). None when absent or not a scheme.

    A forged value can only make this request look more or less secure to itself (Django's
    `is_secure()`, hence its CSRF Origin check): it gains the forger nothing."""
    if trusted_proxies <= 0 or not forwarded_proto:
        return None
    value = forwarded_proto[max(len(forwarded_proto) - trusted_proxies, 0)].lower()
    return _SCHEMES.get(scope_type, {}).get(value)


class TrustedProxyMiddleware:
    """Rewrite `scope["client"]` (and `scope["scheme"]`) from the headers of
    `TRUSTED_PROXY_COUNT` trusted proxies; see the module docstring."""

    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        trusted = settings.TRUSTED_PROXY_COUNT
        if scope["type"] in _SCHEMES and trusted > 0:
            headers = scope.get("headers", [])
            scope = dict(scope)
            scope["client"] = client_address(
                scope.get("client"), header_entries(headers, b"x-forwarded-for"), trusted
            )
            scheme = client_scheme(
                scope["type"], header_entries(headers, b"x-forwarded-proto"), trusted
            )
            if scheme is not None:
                scope["scheme"] = scheme
        return await self.application(scope, receive, send)

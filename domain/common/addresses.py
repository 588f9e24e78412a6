"""Client addresses as rate limits count them.

An IPv4 address is one client. An IPv6 client is usually given a whole /64 network (SLAAC,
privacy addresses), so counting each /128 apart would hand it about 2^64 fresh budgets:
IPv6 addresses are counted by their /64. An IPv4-mapped IPv6 address counts as its IPv4."""

from __future__ import annotations

import ipaddress

IPV6_PREFIX = 64


def address_bucket(address: str) -> str:
    """The key a per-address limit counts `address` under (the text itself when it is not
    an IP address)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)

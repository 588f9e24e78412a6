"""Where a webhook may be sent: the SSRF rules, applied to a URL when it is saved and to the
addresses its host resolves to before each delivery.

- The URL is http or https, with a host, and no more than that: no other scheme.
- With DEBUG off, every address the host resolves to must be globally routable: loopback,
  private, link-local, multicast, reserved, unspecified and other special-purpose
  addresses (shared address space, documentation ranges, IPv4-mapped forms of them) are
  refused, unless the host name or a network holding the address is listed in
  WEBHOOK_ALLOWED_HOSTS (for receivers on premises). One refused address refuses the host.
- The delivery connects to an address that was checked (transport.py), never to the
  result of a second look-up, so a DNS answer that changes between the check and the
  connection (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2000


class TargetRefused(Exception):
    """The URL, or an address its host resolves to, may not be a webhook's target; the
    message says why (it is shown to staff and recorded with the delivery)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lowercase, without brackets or a trailing dot
    port: int
    path: str  # path and query, at least "/"


def target_of(url: str) -> Target:
    """The parts of an http(s) URL a delivery needs; TargetRefused for anything else."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise TargetRefused("The URL is not valid.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused("The URL must start with http:// or https://.")
    host = (parts.hostname or "").rstrip(".")
    if not host or any(character.isspace() for character in url.strip()):
        raise TargetRefused("The URL needs a host name or address.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or DEFAULT_PORTS[scheme], path=path)


def _plain(address: IpAddress) -> IpAddress:
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_kind(address: IpAddress) -> str | None:
    """Why `address` may not be a target with DEBUG off, or None when it may."""
    address = _plain(address)
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("special-purpose", not address.is_global),
    ):
        if flag:
            return kind
    return None


@dataclass(frozen=True)
class AllowList:
    """WEBHOOK_ALLOWED_HOSTS: host names (compared without case) and networks."""

    names: frozenset[str]
    networks: tuple[IpNetwork, ...]

    @classmethod
    def parse(cls, entries: list[str] | tuple[str, ...]) -> AllowList:
        """Raises ValueError naming the first entry that is neither a host name nor a
        network (`10.0.0.0/8`, `fd00::/8`, or one address)."""
        names: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            name = entry.lower().rstrip(".")
            if "/" in name or ":" in name or any(c.isspace() for c in name):
                raise ValueError(entry)
            names.add(name)
        return cls(names=frozenset(names), networks=tuple(networks))

    def allows(self, host: str, address: IpAddress) -> bool:
        address = _plain(address)
        return host.lower() in self.names or any(
            address.version == network.version and address in network for network in self.networks
        )


def allow_list() -> AllowList:
    return AllowList.parse(settings.WEBHOOK_ALLOWED_HOSTS)


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address `host` resolves to for a TCP connection, in the resolver's order
    (an IP literal resolves to itself); TargetRefused when it resolves to nothing."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(f"The host {host} does not resolve.") from None
    addresses: list[IpAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(f"The host {host} does not resolve.")
    return addresses


def check_addresses(host: str, addresses: list[IpAddress]) -> None:
    """TargetRefused when DEBUG is off and one of `addresses` may not be a target."""
    if settings.DEBUG:
        return
    allowed = allow_list()
    for address in addresses:
        kind = address_kind(address)
        if kind is not None and not allowed.allows(host, address):
            raise TargetRefused(
                f"{host} resolves to {address}, a {kind} address: webhooks may not be "
                "sent there (list the host or its network in WEBHOOK_ALLOWED_HOSTS to "
                "allow it)."
            )


def checked_addresses(target: Target) -> list[IpAddress]:
    """The addresses a delivery to `target` may connect to: its host resolved once, each
    address checked. TargetRefused when it does not resolve or one is refused."""
    addresses = resolve(target.host, target.port)
    check_addresses(target.host, addresses)
    return addresses


def url_check(url: str) -> Target:
    """The check made when a URL is saved: its form always, and with DEBUG off what its
    host resolves to now (it is checked again at every delivery)."""
    target = target_of(url)
    if not settings.DEBUG:
        checked_addresses(target)
    return target

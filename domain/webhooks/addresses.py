"""Where a webhook may be sent: the SSRF rules, applied to a URL when it is saved and to the
addresses its host resolves to before each delivery.

- The URL is http or https, with a host, and no more than that: no other scheme. It is
  used in ASCII (url_ascii.py: an IDNA host, percent-encoded non-ASCII elsewhere).
- With DEBUG off, every address the host resolves to must be globally routable: loopback,
  private, link-local, multicast, reserved, unspecified and other special-purpose
  addresses (shared address space, documentation ranges, site-local IPv6) are refused, and
  so are the IPv6 forms that reach IPv4 through a tunnel or translator: IPv4-mapped
  (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are judged by the IPv4 address they
  carry, and 6to4 (2002::/16) and Teredo (2001::/32) are refused whole (Python 3.11's
  `is_global` lets 6to4 through). All of that unless the host name or a network holding
  the address is listed in WEBHOOK_ALLOWED_HOSTS (for receivers on premises). One refused
  address refuses the host.
- The message of a refusal (TargetRefused) is shown to whoever saves the URL and recorded
  with the delivery, which the API shows to anyone holding WEBHOOKS_MANAGE: it says that
  the host's address is not allowed, never which address or what kind, so the check
  cannot be used to map internal networks. The details go to the `domain.webhooks` log
  (WARNING), for staff.
- The delivery connects to an address that was checked (transport.py), never to the
  result of a second look-up, so a DNS answer that changes between the check and the
  connection (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from domain.webhooks.url_ascii import url_ascii

logger = logging.getLogger("domain.webhooks")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2000
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
TEREDO = ipaddress.ip_network("2001::/32")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


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
    """The parts of an http(s) URL a delivery needs, in ASCII (url_ascii.py);
    TargetRefused for anything else."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url_ascii(url))
        port = parts.port
    except ValueError:
        raise TargetRefused("The URL is not valid.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused("The URL must start with http:// or https://.")
    host = (parts.hostname or "").rstrip(".")
    if not host or any(character.isspace() for character in url):
        raise TargetRefused("The URL needs a host name or address.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or DEFAULT_PORTS[scheme], path=path)


def _plain(address: IpAddress) -> IpAddress:
    """An IPv4-mapped (::ffff:127.0.0.1) or NAT64 (64:ff9b::127.0.0.1) IPv6 address as the
    IPv4 address it reaches."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_kind(address: IpAddress) -> str | None:
    """Why `address` may not be a target with DEBUG off, or None when it may."""
    address = _plain(address)
    v6 = isinstance(address, ipaddress.IPv6Address)
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("site-local", v6 and address.is_site_local),
        ("multicast", address.is_multicast),
        ("6to4", v6 and address in SIX_TO_FOUR),
        ("Teredo", v6 and address in TEREDO),
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
        """The host is listed, or a listed network holds the address or the IPv4 address
        it reaches (an IPv4-mapped or NAT64 address)."""
        candidates = {address, _plain(address)}
        return host.lower() in self.names or any(
            candidate.version == network.version and candidate in network
            for candidate in candidates
            for network in self.networks
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
    """TargetRefused when DEBUG is off and one of `addresses` may not be a target. Its
    message names neither the address nor its kind (see the module's docstring): they are
    logged instead."""
    if settings.DEBUG:
        return
    allowed = allow_list()
    for address in addresses:
        kind = address_kind(address)
        if kind is not None and not allowed.allows(host, address):
            logger.warning(
                "webhook target refused: %s resolves to %s, a %s address", host, address, kind
            )
            raise TargetRefused(
                f"The address of {host} is not allowed as a webhook target (with DEBUG off, "
                "only public addresses are, and the hosts and networks listed in "
                "WEBHOOK_ALLOWED_HOSTS)."
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

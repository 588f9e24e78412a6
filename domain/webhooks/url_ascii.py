"""A webhook URL in ASCII, as an HTTP request line and DNS need it.

An integrator may type `https://hoök.example.com/eingang/über`: the host becomes its IDNA
form (`xn--hok-tna.example.com`, Python's `idna` codec, IDNA 2003 as the resolver uses it)
and every other non-ASCII character is percent-encoded as UTF-8 (`/eingang/%C3%BCber`),
which is what a browser sends and what a receiver's router decodes back, so the URL keeps
its meaning. ASCII characters, percent-escapes already there included, are left exactly as
they are. The URL is stored in this form (services.py), and a delivery applies it again to
a URL saved before this rule (delivery.py), so that no non-ASCII text ever reaches
http.client (which would raise UnicodeEncodeError)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


class UrlNotAscii(ValueError):
    """The URL's host has no IDNA form (an empty or over-long label, a forbidden
    character)."""


def _escaped(text: str) -> str:
    return _NON_ASCII.sub(lambda match: quote(match.group(), safe=""), text)


def _idna(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UrlNotAscii(host) from None


def url_ascii(url: str) -> str:
    """`url` with an IDNA host and percent-encoded non-ASCII characters elsewhere.

    Raises ValueError when urlsplit does (a malformed IPv6 literal, a host whose NFKC
    form holds URL delimiters) and UrlNotAscii when the host has no IDNA form."""
    url = url.strip()
    if url.isascii():
        return url
    parts = urlsplit(url)
    head = f"{parts.scheme}://"
    if not parts.netloc or url[: len(head)].lower() != head.lower():
        return _escaped(url)  # no host to encode: the URL check refuses it
    rest = url[len(head) + len(parts.netloc) :]
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal: ASCII, or urlsplit refused it
        host, port = hostport, ""
    else:
        host, colon, port = hostport.partition(":")
        port = colon + port
    netloc = f"{_escaped(userinfo)}{at}{_idna(host)}{_escaped(port)}"
    return f"{url[: len(head)]}{netloc}{_escaped(rest)}"

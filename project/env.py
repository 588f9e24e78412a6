"""Typed readers for environment variables, so settings stay declarative."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SystemExit(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a number.") from None
    if not value > 0:
        raise SystemExit(f"{name}={raw!r} must be above 0.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def web_origin(value: str) -> str | None:
    """`value` in the form browsers send in `Origin` (`scheme://host[:port]`, lowercase, no
    default port), or None when it is not an http(s) origin (a path, `*`, `null`, ...)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme.lower() not in _DEFAULT_PORTS
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        return None
    scheme = parts.scheme.lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def env_origins(name: str, default: list[str], *, wildcard_subdomains: bool = False) -> list[str]:
    """Comma-separated web origins, normalised to the form browsers send, so that every
    check comparing them with an `Origin` header (CORS, CSRF, WebSocket) compares exactly.
    `https://*.example.com` only where `wildcard_subdomains` (Django's CSRF check has them)."""
    origins = []
    for item in env_list(name, default):
        origin = web_origin(item)
        host = origin.split("://", 1)[1] if origin else ""
        if origin is None or ("*" in host and not (wildcard_subdomains and host.startswith("*."))):
            raise SystemExit(
                f"{name}: {item!r} is not an origin: use scheme://host[:port] without a "
                "path, e.g. https://shop.example.com."
            )
        origins.append(origin)
    return list(dict.fromkeys(origins))


def env_positive_ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Comma-separated whole numbers above 0, exactly as many as `default` has."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != len(default) or min(values, default=0) <= 0:
        raise SystemExit(
            f"{name}={raw!r}: give {len(default)} whole numbers above 0, comma-separated."
        )
    return values

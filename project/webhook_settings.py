"""Webhook settings (domain/webhooks/): where deliveries may go, how long one may take, how
often they are retried, how long attempts are remembered. The beat entry that delivers is
in project/celery_settings.py."""

from __future__ import annotations

from typing import Any

from domain.webhooks.addresses import AllowList
from project.env import env_bool, env_float, env_int, env_list


def webhook_settings() -> dict[str, Any]:
    allowed = env_list("WEBHOOK_ALLOWED_HOSTS", [])
    try:
        AllowList.parse(allowed)
    except ValueError as error:
        raise SystemExit(
            f"WEBHOOK_ALLOWED_HOSTS: {error} is neither a host name nor a network "
            "(e.g. hooks.internal, 10.1.0.0/16, fd00::/8)."
        ) from None
    attempts = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
    if attempts < 1:
        raise SystemExit(f"WEBHOOK_MAX_ATTEMPTS={attempts} must be 1 or more.")
    return {
        # Host names or networks (CIDR) that webhooks may reach although, with DEBUG off,
        # their addresses are loopback, private, link-local, ... (receivers on premises).
        "WEBHOOK_ALLOWED_HOSTS": allowed,
        # Seconds one attempt may take in all, connecting included.
        "WEBHOOK_TIMEOUT": env_float("WEBHOOK_TIMEOUT", 10.0),
        # Attempts at one event before the endpoint is disabled, and the first retry's delay
        # in seconds (each next one three times longer, ±20 %): about a day in all.
        "WEBHOOK_MAX_ATTEMPTS": attempts,
        "WEBHOOK_RETRY_BASE_DELAY": env_float("WEBHOOK_RETRY_BASE_DELAY", 80.0),
        # Seconds the record of each attempt is kept.
        "WEBHOOK_DELIVERY_RETENTION": env_int("WEBHOOK_DELIVERY_RETENTION", 30 * 24 * 3600),
        # Send a delivery run as soon as events are published (domain/webhooks/kick.py),
        # not only every WEBHOOK_DELIVERY_INTERVAL seconds from beat.
        "WEBHOOK_KICK_ON_PUBLISH": env_bool("WEBHOOK_KICK_ON_PUBLISH", True),
    }

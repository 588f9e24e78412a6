"""A cost budget per client: the static cost (graphql_api.execution.cost) each client may
spend in a window (GRAPHQL_COST_BUDGET_WINDOW seconds, a fixed window counted in the cache,
so in Redis across every process).

The client is the signed-in user (every device of one account shares its budget), else the
client's address (an IPv6 address by its /64, domain/common/addresses.py). Anonymous
clients get the smallest budget. An operation over budget is refused before it runs, and
not charged; answers served from the anonymous response cache cost nothing (they are not
executed). When the cache is unreachable, operations are let
through with a warning: serving matters more than metering."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from domain.common.addresses import address_bucket

logger = logging.getLogger(__name__)
KEY_PREFIX = "cost-budget"


@dataclass(frozen=True)
class Client:
    """Whose budget an operation spends, and how big that budget is (0: unlimited)."""

    key: str
    budget: int


def client_of(*, viewer: Any, address: str | None) -> Client | None:
    """None when the caller cannot be told apart (no user, no address): not metered."""
    if viewer is not None and viewer.is_authenticated:
        return Client(key=f"user:{viewer.pk}", budget=settings.GRAPHQL_COST_BUDGET_USER)
    if address:
        return Client(
            key=f"address:{address_bucket(address)}",  # an IPv6 client counts by its /64
            budget=settings.GRAPHQL_COST_BUDGET_ANONYMOUS,
        )
    return None


async def charge(client: Client, cost: int) -> int:
    """Spend `cost` from `client`'s budget: 0 when it fits, else the seconds until the
    window ends (nothing is spent then)."""
    if client.budget <= 0 or cost <= 0:
        return 0
    window = settings.GRAPHQL_COST_BUDGET_WINDOW
    now = time.time()
    key = f"{KEY_PREFIX}:{client.key}:{int(now // window)}"
    try:
        await cache.aadd(key, 0, timeout=window + 1)
        spent = await cache.aincr(key, cost)
        if spent <= client.budget:
            return 0
        await cache.adecr(key, cost)
    except ValueError:  # the window's key expired between add and incr: a new window
        return 0
    except Exception:
        logger.warning("cost budget unavailable; operation let through", exc_info=True)
        return 0
    return max(1, int(window - now % window + 0.999))

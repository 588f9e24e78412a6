"""A cost budget per client: the static cost (graphql_api.execution.cost) each client may
spend in a window (GRAPHQL_COST_BUDGET_WINDOW seconds, a fixed window counted in the cache,
so in Redis across every process).

The client is the API key a request acts through (a key is a client of its own, apart from
the staff member who made it and from their other keys), else the signed-in user (every
device of one account shares its budget), else the client's address (an IPv6 address by
its /64, domain/common/addresses.py). Anonymous clients get the smallest budget. An
operation over budget is refused before it runs, and not charged; answers served from the
anonymous response cache cost nothing (they are not executed). When the cache is
unreachable, operations are let through with a warning: serving matters more than
metering."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from domain.accounts.api_keys import api_key_id_of
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
    key_id = api_key_id_of(viewer)
    if key_id is not None:  # a key's budget is the size of a user's
        return Client(key=f"api-key:{key_id}", budget=settings.GRAPHQL_COST_BUDGET_USER)
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


class LiveCosts:
    """The summed cost of each client's live subscriptions in this process.

    A subscription is charged to the budget once, when it starts, but runs its selection
    again for every event it delivers: without a bound, a client could open subscriptions
    within its budget and keep them, each event then costing the process more and more.
    So what one client may hold live at once is bounded (GRAPHQL_MAX_LIVE_COST), and each
    subscription's own cost (GRAPHQL_MAX_SUBSCRIPTION_COST, checked by the gate)."""

    def __init__(self) -> None:
        self._held: dict[str, int] = {}

    def hold(self, client: Client, cost: int) -> int | None:
        """Hold `cost` for `client` while its subscription lives: None when that fits,
        else what the client would then hold (refused, nothing held)."""
        held = self._held.get(client.key, 0) + cost
        if held > settings.GRAPHQL_MAX_LIVE_COST:
            return held
        self._held[client.key] = held
        return None

    def release(self, client: Client, cost: int) -> None:
        held = self._held.get(client.key, 0) - cost
        if held > 0:
            self._held[client.key] = held
        else:
            self._held.pop(client.key, None)

    def held(self, client: Client) -> int:
        return self._held.get(client.key, 0)


live_costs = LiveCosts()

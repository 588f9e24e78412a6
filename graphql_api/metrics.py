"""This process's GraphQL metrics, exposed at /metrics with realtime's (realtime/metrics.py;
the endpoint is project/metrics_view.py).

Operation names label a metric only when they are the contract's (contract/operations):
anything else a client names, or an unnamed operation, is `other`, so clients cannot grow
the number of series. A request is counted under the name it gives (the name is a label,
not a check of the document).

What moves them:
- `graphql_http_requests_total{operation, outcome}` and
  `graphql_http_request_duration_seconds{operation}`: a request to /graphql/, from when
  the fast path (graphql_api/http/fast_path.py) or else the view took it until its answer
  was sent (fast path) or built (view). `outcome`: `ok`; `error` (answered 2xx with GraphQL
  errors); `4xx` or `5xx` (the status's class);
- `graphql_response_cache_requests_total{result}`: an answer of the anonymous response
  cache (graphql_api/http/response_cache.py): `hit`, `stale` (past its freshness while
  another request computes it), `shared` (waited for another request's computation) or
  `miss` (computed by this request);
- `graphql_active_subscriptions{operation}`: a subscription from its start to its end
  (graphql_api/subscriptions/adapter.py), which also counts its deliveries (realtime's
  metrics);
- `graphql_subscription_shared_executions_total{result}`: a subscription event executed
  for sharing (graphql_api/execution/shared_execution.py): `hit` (another subscriber's
  execution answered it) or `miss` (executed by this subscriber, for the others).
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from graphql import OperationDefinitionNode
from prometheus_client import Counter, Gauge, Histogram

from graphql_api.persisted.store import contract_entries
from realtime.metrics import COMMIT_TO_SEND, EVENTS_DELIVERED, LOG_REPLAYS, Children

OTHER = "other"
# From a cached answer's ~1 ms to a slow write's seconds.
DURATION_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

# When the fast path took a request it hands on to Django (`time.perf_counter()`), for the
# view's duration; unset for requests the fast path does not look at.
REQUEST_STARTED: ContextVar[float | None] = ContextVar("graphql_request_started", default=None)

HTTP_REQUESTS = Children(
    Counter(
        "graphql_http_requests",
        "GraphQL requests over HTTP, by operation (a contract operation's name, or other) "
        "and outcome (ok, error: answered with GraphQL errors, 4xx, 5xx).",
        ["operation", "outcome"],
    )
)
HTTP_DURATION = Children(
    Histogram(
        "graphql_http_request_duration_seconds",
        "Time to answer a GraphQL request over HTTP, by operation.",
        ["operation"],
        buckets=DURATION_BUCKETS,
    )
)
RESPONSE_CACHE = Children(
    Counter(
        "graphql_response_cache_requests",
        "Answers of the anonymous response cache: hit, stale, shared or miss.",
        ["result"],
    )
)
ACTIVE_SUBSCRIPTIONS = Children(
    Gauge(
        "graphql_active_subscriptions",
        "Subscriptions running in this process, by operation (a contract operation's "
        "name, or other).",
        ["operation"],
    )
)
SHARED_EXECUTIONS = Children(
    Counter(
        "graphql_subscription_shared_executions",
        "Subscription events executed for sharing: hit (answered by another "
        "subscriber's execution) or miss (executed here).",
        ["result"],
    )
)


@cache
def _contract_operations() -> frozenset[str]:
    return frozenset(entry.operation_name for entry in contract_entries() if entry.operation_name)


def operation_label(name: Any) -> str:
    """`name` when it is a contract operation's, else `other`."""
    return name if isinstance(name, str) and name in _contract_operations() else OTHER


def http_outcome(status: int, *, errors: bool) -> str:
    if status >= 500:
        return "5xx"
    if status >= 400:
        return "4xx"
    return "error" if errors else "ok"


def observe_http(operation_name: Any, outcome: str, started: float) -> None:
    """A request answered; `started`: its `time.perf_counter()` when it was taken."""
    label = operation_label(operation_name)
    HTTP_REQUESTS[(label, outcome)].inc()
    HTTP_DURATION[label].observe(time.perf_counter() - started)


@lru_cache(maxsize=1024)
def _timestamp(occurred_at: str) -> float:
    """An event's `occurred_at` as a timestamp: parsed once per event, not once for each of
    its thousand subscribers."""
    return datetime.fromisoformat(occurred_at).timestamp()


class SubscriptionMetrics:
    """One subscription's part: active from construction to `ended()`, one delivery per
    `sent(event)`, and a replay counted when it resumes after a cursor."""

    __slots__ = ("_active", "_latency", "_live", "_replay", "_started_at")

    def __init__(self, operation: OperationDefinitionNode, stream: str, *, resumed: bool) -> None:
        name = operation.name.value if operation.name is not None else None
        self._active = ACTIVE_SUBSCRIPTIONS[operation_label(name)]
        self._started_at = time.time()
        self._live = EVENTS_DELIVERED[(stream, "live")]
        self._replay = EVENTS_DELIVERED[(stream, "replay")]
        self._latency = COMMIT_TO_SEND[stream]
        self._active.inc()
        if resumed:
            LOG_REPLAYS[stream].inc()

    def sent(self, event: dict[str, Any]) -> None:
        """`event`'s frame was handed to the subscriber's socket. Its latency is observed
        only for an event that occurred after the subscription started: an older one is a
        replay, whose age says nothing of delivery."""
        occurred_at = event.get("occurred_at")
        if not isinstance(occurred_at, str):
            self._live.inc()
            return
        occurred = _timestamp(occurred_at)
        if occurred < self._started_at:
            self._replay.inc()
            return
        self._live.inc()
        self._latency.observe(max(time.time() - occurred, 0.0))

    def ended(self) -> None:
        self._active.dec()

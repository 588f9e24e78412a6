"""This process's realtime metrics, exposed at /metrics (Prometheus text format, from
prometheus-client's default registry; project/metrics_view.py).

Every daphne process counts its own: a scrape of one process shows that process's
sockets and deliveries only (Prometheus adds them up across targets). Label values come
from small fixed sets (streams, close codes and causes, delivery paths), never from what a
client sends.

What moves them:
- `realtime_open_websocket_connections`: a WebSocket of /graphql/ from its handshake to
  its end (realtime/routing.py);
- `realtime_events_published_total`: an event sent to the channel layer by this process
  (realtime/bus.py; the relay's publishes count in the Celery worker, which serves no
  /metrics);
- `realtime_events_delivered_total`, `realtime_commit_to_send_seconds`: an event's frame
  handed to a subscriber's socket (graphql_api/subscriptions/adapter.py); `path="replay"`
  for events that occurred before the subscription started (a resume), whose age is no
  latency and is not observed;
- `realtime_slow_consumer_closes_total`: a subscriber closed for falling behind, by close
  code and cause (`pending_events`: more events waiting than WS_MAX_PENDING_EVENTS;
  `unsent_bytes`: more than WS_MAX_UNSENT_BYTES waiting for its socket, realtime/
  backpressure.py);
- `realtime_log_replays_total`: a subscription that started by replaying the log after
  a cursor;
- `realtime_log_poller_wakeups_total`: a listener woken by the log poller, i.e. a live
  message the layer lost (realtime/poller.py).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# No `<name>_created` series (when each labelled child was made): they would double what a
# scrape holds and answer no question asked here. Process-wide, before any metric is made
# (graphql_api/metrics.py imports this module first).
disable_created_metrics()

# Commit-to-send latency: fine around the 50 ms target, up to the poll interval and beyond.
LATENCY_BUCKETS = (
    0.002,
    0.005,
    0.01,
    0.02,
    0.03,
    0.05,
    0.075,
    0.1,
    0.15,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class Children(dict[Any, Any]):
    """A labelled metric's children by label value (a tuple for several labels), made on
    first use: an observation costs a dict lookup, not `labels()` (a lock and new strings
    per call). Two threads making the same child at once get the same one (`labels` is
    idempotent)."""

    def __init__(self, metric: Any) -> None:
        super().__init__()
        self.metric = metric

    def __missing__(self, key: Any) -> Any:
        child = self.metric.labels(*(key if isinstance(key, tuple) else (key,)))
        self[key] = child
        return child


OPEN_CONNECTIONS = Gauge(
    "realtime_open_websocket_connections",
    "WebSocket connections of /graphql/ open in this process (handshake to close).",
)
ROUTED_GROUPS = Gauge(
    "realtime_routed_groups",
    "Channel-layer groups this process's channel is a member of: one membership per "
    "group, shared by every local listener of it.",
)
ROUTED_MEMBERS = Children(
    Gauge(
        "realtime_routed_members",
        "Local listeners routed messages of channel-layer groups, counted once their "
        "groups' memberships are confirmed (kind: events, a subscription; notifications, "
        "a socket's sign-in watch).",
        ["kind"],
    )
)
EVENTS_PUBLISHED = Children(
    Counter(
        "realtime_events_published",
        "Events this process published to the channel layer.",
        ["stream"],
    )
)
EVENTS_DELIVERED = Children(
    Counter(
        "realtime_events_delivered",
        "Event frames handed to subscribers' sockets (path: live, or replay of events "
        "that occurred before the subscription started).",
        ["stream", "path"],
    )
)
COMMIT_TO_SEND = Children(
    Histogram(
        "realtime_commit_to_send_seconds",
        "From an event's commit (its occurred_at) to its frame being handed to a live "
        "subscriber's socket, one observation per subscriber.",
        ["stream"],
        buckets=LATENCY_BUCKETS,
    )
)
SLOW_CONSUMER_CLOSES = Children(
    Counter(
        "realtime_slow_consumer_closes",
        "Subscribers closed for falling behind, by close code and cause (pending_events, "
        "unsent_bytes).",
        ["code", "cause"],
    )
)
LOG_REPLAYS = Children(
    Counter(
        "realtime_log_replays",
        "Subscriptions that started by replaying the event log after a cursor.",
        ["stream"],
    )
)
POLLER_WAKEUPS = Children(
    Counter(
        "realtime_log_poller_wakeups",
        "Listeners woken by the event-log poller (a live message the layer lost).",
        ["stream"],
    )
)

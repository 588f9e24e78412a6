"""Watch the realtime metrics of running daphne processes during a benchmark: every
`--every` seconds, scrape each process's /metrics and print, summed over the processes,
the open sockets and active subscriptions, and over the interval the events delivered
and the commit-to-send latency's p50 and p99 (estimated from the histogram's buckets, as
Prometheus' `histogram_quantile` does).

    METRICS_TOKEN=t .venv/bin/python bench/fanout.py --subscribers 1000 --updates 50 &
    .venv/bin/python -m bench.watch_metrics --token t http://127.0.0.1:8301 http://127.0.0.1:8302

(bench/fanout.py hands its environment, METRICS_TOKEN included, to its daphne processes.)
Stops after `--duration` seconds, or with Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

LATENCY = "realtime_commit_to_send_seconds"


def scrape(base_url: str, token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    request = urllib.request.Request(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(samples: dict, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


def buckets(samples: dict) -> dict[float, float]:
    """Cumulative counts by upper bound, summed over streams."""
    counts: dict[float, float] = {}
    for (name, labels), value in samples.items():
        if name == f"{LATENCY}_bucket":
            bound = float(dict(labels)["le"])
            counts[bound] = counts.get(bound, 0.0) + value
    return counts


def quantile(q: float, cumulative: dict[float, float]) -> float:
    """Linear interpolation within the bucket holding the q-th observation."""
    bounds = sorted(cumulative)
    if not bounds or cumulative[bounds[-1]] <= 0:
        return math.nan
    rank = q * cumulative[bounds[-1]]
    lower, below = 0.0, 0.0
    for bound in bounds:
        if cumulative[bound] >= rank:
            if math.isinf(bound):
                return lower
            share = (rank - below) / (cumulative[bound] - below or 1)
            return lower + (bound - lower) * share
        lower, below = bound, cumulative[bound]
    return lower


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+", help="base URLs of the daphne processes")
    parser.add_argument("--token", required=True)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=600.0)
    args = parser.parse_args()
    previous: dict = {}
    stop = time.monotonic() + args.duration
    print("time     sockets subs  delivered  p50 ms  p99 ms  slow-closes")
    while time.monotonic() < stop:
        merged: dict = {}
        try:
            for url in args.urls:
                for key, value in scrape(url, args.token).items():
                    merged[key] = merged.get(key, 0.0) + value
        except OSError as error:
            print(f"{time.strftime('%H:%M:%S')} (not answering: {error})")
            time.sleep(args.every)
            continue
        now_buckets, then_buckets = buckets(merged), buckets(previous)
        interval = {b: c - then_buckets.get(b, 0.0) for b, c in now_buckets.items()}
        delivered = total(merged, "realtime_events_delivered_total") - total(
            previous, "realtime_events_delivered_total"
        )
        sockets = total(merged, "realtime_open_websocket_connections")
        print(
            f"{time.strftime('%H:%M:%S')} {sockets:7.0f}"
            f" {total(merged, 'graphql_active_subscriptions'):5.0f} {delivered:10.0f}"
            f" {quantile(0.5, interval) * 1000:7.1f} {quantile(0.99, interval) * 1000:7.1f}"
            f" {total(merged, 'realtime_slow_consumer_closes_total'):12.0f}",
            flush=True,
        )
        previous = merged
        time.sleep(args.every)


if __name__ == "__main__":
    main()

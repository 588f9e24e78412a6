"""Rounds of wrk over several contenders, alternating, and their medians.

A contender is one request (URL, JSON body, headers: a bearer token for a signed-in
reader) sent over and over by wrk (2 threads, `connections` connections). Each round runs
every contender once, in the same order, so that the noise of this shared machine falls
on all of them; the figures quoted are medians over rounds. wrk's Lua script also counts
the `X-Cache` header of our answers (hit / miss / shared / stale / none), so that a cached
contender shows what share of its answers were computed.
"""

from __future__ import annotations

import json
import re
import statistics
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.harness import RESULTS, wrk_figures, wrk_output

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
HEADERS
wrk.body = BODY
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hit = 0; computed = 0 end
function response(status, headers, body)
  local x = headers["X-Cache"] or headers["x-cache"]
  if x == "hit" or x == "stale" then hit = hit + 1 else computed = computed + 1 end
end
function done(summary, latency, requests)
  local h, c = 0, 0
  for _, t in ipairs(threads) do h = h + t:get("hit"); c = c + t:get("computed") end
  io.write(string.format("XCACHE %d %d\\n", h, c))
end
"""


@dataclass(frozen=True)
class Contender:
    name: str
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def answer(self) -> dict[str, Any]:
        """One answer, parsed (to check it before the rounds)."""
        headers = {"Content-Type": "application/json", **self.headers}
        request = urllib.request.Request(self.url, data=self.body, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


def measure(
    contender: Contender, *, duration: int, connections: int, cpus: str | None = None
) -> dict[str, float]:
    """wrk's figures for one contender: req/s, p50, p90, p99 (ms), share of cache hits."""
    headers = "\n".join(
        f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in contender.headers.items()
    )
    script = WRK_SCRIPT.replace("HEADERS", headers).replace(
        "BODY", json.dumps(contender.body.decode())
    )
    output = wrk_output(
        contender.url, script, duration=duration, connections=connections, cpus=cpus
    )
    hit, computed = map(int, re.search(r"XCACHE (\d+) (\d+)", output).groups())
    p90 = re.search(r"90%\s+([\d.]+)(us|ms|s)", output).groups()
    return {
        **wrk_figures(output),
        "p90_ms": float(p90[0]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p90[1]],
        "hit_pct": 100.0 * hit / max(hit + computed, 1),
    }


def run_rounds(
    contenders: list[Contender], *, rounds: int, duration: int, connections: int, warmup: int = 3
) -> dict[str, list[dict[str, float]]]:
    """Every contender once per round, in order; a short warm-up run of each first."""
    for contender in contenders:
        measure(contender, duration=warmup, connections=connections)
    results: dict[str, list[dict[str, float]]] = {c.name: [] for c in contenders}
    for number in range(1, rounds + 1):
        for contender in contenders:
            figures = measure(contender, duration=duration, connections=connections)
            results[contender.name].append(figures)
            print(
                f"round {number} {contender.name:<34} {figures['rps']:8.1f} req/s  "
                f"p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms",
                flush=True,
            )
    return results


def medians(results: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        name: {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        for name, rows in results.items()
    }


def save(prefix: str, payload: dict[str, Any]) -> str:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{prefix}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2))
    return str(path)


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def ratio(value: float, reference: float) -> str:
    """`value / reference` as "1.23x", or "-" when the reference served nothing."""
    return f"{value / reference:.2f}x" if reference else "-"

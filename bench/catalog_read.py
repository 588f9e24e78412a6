"""Benchmark: the heavy catalog read, ours against a graphene-django peer.

First 100 published products with category, images and the 5 newest reviews with authors,
on PostgreSQL seeded with `seed_demo --products 2000`, each server one daphne process,
under wrk at 8 concurrent connections. Rounds alternate ours and the peer's so that the
noise of this shared machine falls on both; medians are reported.

    .venv/bin/python -m bench.catalog_read [--rounds 5] [--duration 15] [--connections 8]
        [--baseline REV]

With `--baseline REV`, our code at REV (its tree from `git archive`, first on PYTHONPATH,
response cache off) runs as one more contender, to show that a change does not slow reads.

Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/shop_bench)
and installs `wrk` (Debian) and the peer's virtual environment when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PEER_VENV = BENCH / ".venv-graphene"
RESULTS = BENCH / "results"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shop_bench"


def sh(*args: str, env: dict[str, str] | None = None, quiet: bool = False) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        print("installing wrk (Debian package)…")
        sh("apt-get", "install", "-y", "-q", "wrk")
    if not (PEER_VENV / "bin" / "daphne").exists():
        print("creating the graphene-django peer's virtual environment…")
        sh("python3", "-m", "venv", str(PEER_VENV))
        sh(
            str(PEER_VENV / "bin" / "pip"),
            "install",
            "-q",
            "-r",
            str(BENCH / "graphene_peer" / "requirements.txt"),
        )


def ensure_database(database_url: str, products: int, env: dict[str, str]) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    manage = [sys.executable, "manage.py"]
    sh(*manage, "migrate", "--noinput", env=env)
    sh(*manage, "seed_demo", "--products", str(products), "--force", env=env)


def daphne_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of one of our daphne processes in a benchmark: DEBUG off, quiet logs,
    and no per-client cost budget (a load generator is one client asking far more than any
    real one)."""
    return {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}},
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "LOG_LEVEL": "WARNING",
        "GRAPHQL_COST_BUDGET_ANONYMOUS": "0",
        "GRAPHQL_COST_BUDGET_USER": "0",
        **overrides,
    }


@contextmanager
def server(
    command: list[str],
    env: dict[str, str],
    port: int,
    *,
    cwd: Path = ROOT,
    start_within: float = 30,
):
    """A server process, until it answers /healthz (within `start_within` seconds); `cwd`
    first on its path (a benchmark of another revision runs that revision's tree)."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + start_within
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"server on port {port} did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/graphql/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # still finishing requests of a busy machine
            process.kill()
            process.wait()


def post(url: str, body: bytes) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def product_names(response: dict[str, Any]) -> list[str]:
    assert "errors" not in response, response
    return [edge["node"]["name"] for edge in response["data"]["products"]["edges"]]


def wrk_output(url: str, script: str, *, duration: int, connections: int) -> str:
    """wrk's report of `duration` seconds at `connections` connections running the Lua
    `script`; any non-2xx answer ends the benchmark."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    output = sh(
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", file.name, url
    )
    os.unlink(file.name)
    if "Non-2xx" in output:
        raise SystemExit(f"errors under load:\n{output}")
    return output


def wrk_figures(output: str) -> dict[str, float]:
    """Requests per second, p50 and p99 (ms) from a wrk report."""

    def latency_ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency_ms("50%"),
        "p99_ms": latency_ms("99%"),
    }


def wrk(url: str, body: bytes, *, duration: int, connections: int) -> dict[str, float]:
    script = (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
    )
    return wrk_figures(wrk_output(url, script, duration=duration, connections=connections))


def baseline_tree(revision: str, stack: ExitStack) -> Path:
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cache-baseline-")))
    archive = subprocess.run(
        ["git", "archive", revision], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(directory, filter="data")
    return directory


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--baseline", help="a git revision of ours to run beside the current code")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    base_env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}}
    ours_env = daphne_env(database_url, RESPONSE_CACHE_TTL="0")
    cached_env = {**ours_env, "RESPONSE_CACHE_TTL": "30"}
    peer_env = {
        **base_env,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.graphene_peer.settings",
    }

    ensure_tools()
    ensure_database(database_url, args.products, ours_env)

    ours_body = json.dumps({"query": (BENCH / "queries/catalog_ours.graphql").read_text()}).encode()
    peer_body = json.dumps(
        {"query": (BENCH / "queries/catalog_graphene.graphql").read_text()}
    ).encode()
    daphne = str(ROOT / ".venv" / "bin" / "daphne")
    peer_daphne = str(PEER_VENV / "bin" / "daphne")
    with ExitStack() as stack:

        def start(command: list[str], env: dict[str, str], port: int, cwd: Path = ROOT) -> str:
            return stack.enter_context(server(command, env, port, cwd=cwd))

        app = "project.asgi:application"
        ours = start([daphne, "-b", "127.0.0.1", "-p", "8101", app], ours_env, 8101)
        cached = start([daphne, "-b", "127.0.0.1", "-p", "8103", app], cached_env, 8103)
        peer = start(
            [peer_daphne, "-b", "127.0.0.1", "-p", "8102", "bench.graphene_peer.asgi:application"],
            peer_env,
            8102,
        )
        ours_names = product_names(post(ours, ours_body))
        assert ours_names == product_names(post(peer, peer_body)), "the answers differ"
        assert ours_names == product_names(post(cached, ours_body)), "the answers differ"
        assert len(ours_names) == 100
        contenders = [
            ("ours", ours, ours_body),
            ("ours+cache", cached, ours_body),
            ("graphene", peer, peer_body),
        ]
        if args.baseline:
            tree = baseline_tree(args.baseline, stack)
            baseline = start(
                [daphne, "-b", "127.0.0.1", "-p", "8104", app],
                {**ours_env, "PYTHONPATH": str(tree)},
                8104,
                cwd=tree,
            )
            # the same answer, but for the host in image URLs
            same_host = json.dumps(post(baseline, ours_body)).replace(":8104/", ":8101/")
            assert same_host == json.dumps(post(ours, ours_body)), "the answers differ"
            contenders.append((f"ours@{args.baseline[:10]}", baseline, ours_body))
        for _, url, body in contenders:  # warm-up
            wrk(url, body, duration=3, connections=args.connections)
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in contenders}
        for number in range(1, args.rounds + 1):
            for name, url, body in contenders:
                figures = wrk(url, body, duration=args.duration, connections=args.connections)
                rounds[name].append(figures)
                print(
                    f"round {number} {name:<10} {figures['rps']:7.1f} req/s  "
                    f"p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
                )

    summary = {
        name: {
            key: statistics.median(r[key] for r in results) for key in ("rps", "p50_ms", "p99_ms")
        }
        for name, results in rounds.items()
    }
    ratio = summary["ours"]["rps"] / summary["graphene"]["rps"]
    if args.baseline:
        name = f"ours@{args.baseline[:10]}"
        print(f"  ours / {name}: {summary['ours']['rps'] / summary[name]['rps']:.2f}x")
    cached_ratio = summary["ours+cache"]["rps"] / summary["graphene"]["rps"]
    print("\nmedians:")
    for name, figures in summary.items():
        print(
            f"  {name:<10} {figures['rps']:7.1f} req/s  p50 {figures['p50_ms']:7.1f} ms  "
            f"p99 {figures['p99_ms']:7.1f} ms"
        )
    print(f"  ratio ours/graphene: {ratio:.2f}x; with the response cache: {cached_ratio:.2f}x")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"catalog_read-{stamp}.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "rounds": rounds,
                "medians": summary,
                "ratio": ratio,
                "cached_ratio": cached_ratio,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

"""What the benchmarks share: the database they read, our daphne's environment, starting a
server and waiting for it, wrk and its figures, another revision's tree, signing in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shop_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CUSTOMER = ("customer@example.com", "demo-customer-password")


def sh(*args: str, env: dict[str, str] | None = None, quiet: bool = False) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


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
    start_within: float = 90,  # a busy machine starts slowly
):
    """A server process, until it answers /healthz (within `start_within` seconds); `cwd`
    first on its path (a benchmark of another revision runs that revision's tree)."""
    log_dir = os.environ.get("BENCH_SERVER_LOG_DIR")  # set: each server's output kept there
    output: Any = subprocess.DEVNULL
    if log_dir:
        output = open(Path(log_dir) / f"server-{port}.log", "a")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
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


def wrk_output(
    url: str, script: str, *, duration: int, connections: int, cpus: str | None = None
) -> str:
    """wrk's report of `duration` seconds at `connections` connections running the Lua
    `script` (on the CPUs `cpus` names, with taskset, when given); any non-2xx answer ends
    the benchmark."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    pinning = ["taskset", "-c", cpus] if cpus else []
    output = sh(
        *pinning,
        *(
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            file.name,
            url,
        ),
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


def sign_in(url: str, email: str, password: str) -> str:
    """A bearer token for these credentials (tokenCreate)."""
    query = (
        "mutation ($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) "
        "{ token errors { code } } }"
    )
    body = json.dumps({"query": query, "variables": {"e": email, "p": password}}).encode()
    payload = post(url, body)["data"]["tokenCreate"]
    assert payload["token"], payload
    return payload["token"]

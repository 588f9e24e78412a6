"""Start daphne as a subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without our service settings, plus `overrides`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings", "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class DaphneProcess:
    base_url: str  # http://127.0.0.1:<port>
    port: int
    process: subprocess.Popen[str]
    log: Path  # what daphne wrote (stdout and stderr), while it runs


@contextmanager
def running_daphne(
    env: dict[str, str], *, timeout: float = 60.0, application: str = "project.asgi:application"
) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:<port>`) of a daphne serving the project (or
    another ASGI `application`, which must answer GET /healthz with 200)."""
    with daphne_process(env, timeout=timeout, application=application) as daphne:
        yield daphne.base_url


@contextmanager
def daphne_process(
    env: dict[str, str], *, timeout: float = 60.0, application: str = "project.asgi:application"
) -> Iterator[DaphneProcess]:
    """`running_daphne`, yielding the process too (for tests that signal it)."""
    port = free_port()
    # Open for the process's whole life; closed and removed in the `finally` below.
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115
        "w+", prefix="daphne-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), application],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, timeout, log.name)
        yield DaphneProcess(base_url, port, process, Path(log.name))
    except BaseException:
        sys.stderr.write(f"--- daphne log ({log.name}) ---\n{Path(log.name).read_text()}\n")
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        os.unlink(log.name)


def _wait_until_healthy(
    base_url: str, process: subprocess.Popen[str], timeout: float, log: str
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}:\n{Path(log).read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise RuntimeError(f"daphne did not answer at {base_url} within {timeout}s")


def run_node_against_daphne(
    script: Path,
    name: str,
    *,
    settings: dict[str, str] | None = None,
    prepare: Callable[[dict[str, str], Path], int] | None = None,
    extra_args: tuple[str, ...] = (),
) -> int:
    """Run the Node.js `script` with the URL of a fresh daphne (its own SQLite database,
    DEBUG off, plus `settings`) and `extra_args` as its arguments; its exit status, or 1
    when the database cannot be set up. `prepare(env, var_dir)` runs after the migration
    and before daphne starts (a non-zero status stops there). What CI runs the graphql-http
    audits and the persisted-query clients with."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as var_dir:
        env = clean_env(
            DEBUG="0",
            SECRET_KEY=name,
            VAR_DIR=var_dir,
            ALLOWED_HOSTS="127.0.0.1",
            **(settings or {}),
        )
        migrated = manage("migrate", "--noinput", env=env)
        if migrated.returncode != 0:
            print(migrated.stdout, migrated.stderr, file=sys.stderr)
            return 1
        if prepare is not None and (status := prepare(env, Path(var_dir))) != 0:
            return status
        with running_daphne(env) as base_url:
            return subprocess.run(
                ["node", str(script), f"{base_url}/graphql/", *extra_args], check=False
            ).returncode


def daphne_env_on_test_services(**overrides: str) -> dict[str, str]:
    """The environment of a daphne on this test run's PostgreSQL database and Redis, with
    DEBUG off, the tests' SECRET_KEY (so access tokens made in a test are valid there) and
    the tests' metrics token (tests/support/metrics.py reads what the server counts).
    Placed orders are not processed (no worker runs; tests/support/celery_worker.py starts
    one), and whatever it sends to Celery goes under this checkout's broker prefix, never
    to a developer's worker on the same Redis."""
    from django.conf import settings
    from django.db import connection

    from tests.support.metrics import TOKEN

    db = connection.settings_dict
    database_url = (
        f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    return clean_env(
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        **{
            "REDIS_URL": settings.REDIS_URL,
            "METRICS_TOKEN": TOKEN,
            "ORDER_PROCESS_ON_PLACE": "0",
            "CELERY_BROKER_PREFIX": f"celery-test-{settings.CHECKOUT}:",
            **overrides,
        },
    )


def post_graphql(
    base_url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    *,
    timeout: float = 20,
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{base_url}/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers=headers,
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())

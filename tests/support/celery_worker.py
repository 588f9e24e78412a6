"""A real Celery worker as a subprocess, for end-to-end tests of tasks.

    with celery_env_on_test_services(ORDER_PROCESS_ON_PLACE="1") as env:
        with running_celery_worker(env) as worker, running_daphne(env) as base_url:
            ...  # what this daphne (or anything given `env`) sends, this worker runs
            worker.kill()  # SIGKILL to the whole worker, pool processes included

- `celery_env_on_test_services(**overrides)`: the environment of
  `daphne_env_on_test_services` (this run's test database, Redis, cache and channel-layer
  prefixes, DEBUG off) plus a broker key prefix of its own (`CELERY_BROKER_PREFIX`), so
  that no other test, parallel checkout or developer's `make worker` on the same Redis
  meets its messages (nor gives back its unacknowledged ones); its broker keys are deleted
  on exit. Give every process of one test the same `env`.
- `celery_client(env)`: a Celery app in the test process on that broker, to send tasks
  (`send_task`) to the worker or control it.
- `running_celery_worker(env, queues=..., pool=..., concurrency=...)`: starts
  `celery -A project worker` with `env` (no mingle, gossip or heartbeat: it waits for no
  other worker), waits until it answers a ping addressed to it alone (so it consumes its
  queues before the test goes on), and stops it afterwards (SIGTERM, then SIGKILL to its
  process group). The worker's log is printed when the block fails.

The test itself runs tasks eagerly (project/test_settings.py); only what is sent with
`env` goes through the broker. Tests using a worker need `django_db(transaction=True)`:
the worker reads what the test wrote from another process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from celery import Celery

from tests.support.daphne import BIN, ROOT, daphne_env_on_test_services


@dataclass(frozen=True)
class CeleryWorker:
    name: str  # the node name (`-n`), which a ping may address
    process: subprocess.Popen[str]
    log: Path  # what the worker wrote, while it runs

    @property
    def pid(self) -> int:
        return self.process.pid

    def pool_pids(self) -> list[int]:
        """The pids of the worker's pool processes (prefork), read from /proc."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL to the whole worker (main process and pool), and wait for it: what a
        crashed machine or the OOM killer leaves."""
        _kill_group(self.process)


def celery_broker_url(env: dict[str, str]) -> str:
    return env.get("CELERY_BROKER_URL") or env["REDIS_URL"]


@contextmanager
def celery_env_on_test_services(**overrides: str) -> Iterator[dict[str, str]]:
    prefix = f"celery-test-{uuid.uuid4().hex[:12]}:"
    env = daphne_env_on_test_services(**{"CELERY_BROKER_PREFIX": prefix, **overrides})
    try:
        yield env
    finally:
        _delete_broker_keys(celery_broker_url(env), env["CELERY_BROKER_PREFIX"])


@contextmanager
def running_celery_worker(
    env: dict[str, str],
    *,
    queues: Sequence[str] = (),
    pool: str = "prefork",
    concurrency: int = 1,
    timeout: float = 60.0,
) -> Iterator[CeleryWorker]:
    """`queues`: the queues to consume (`-Q`); none given, the default queue."""
    name = f"test-{uuid.uuid4().hex[:12]}@localhost"
    command = [
        str(BIN / "celery"),
        "-A",
        "project",
        "worker",
        "-n",
        name,
        "-P",
        pool,
        "-c",
        str(concurrency),
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    if queues:
        command += ["-Q", ",".join(queues)]
    # Open for the process's whole life; closed and removed in the `finally` below.
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115
        "w+", prefix="celery-worker-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: one signal reaches the pool too
    )
    worker = CeleryWorker(name, process, Path(log.name))
    try:
        _wait_until_ready(worker, env, timeout)
        yield worker
    except BaseException:
        sys.stderr.write(f"--- celery worker log ({log.name}) ---\n{worker.log.read_text()}\n")
        raise
    finally:
        _stop(process)
        log.close()
        os.unlink(log.name)


@contextmanager
def celery_client(env: dict[str, str]) -> Iterator[Celery]:
    """A Celery app in this process that talks to the broker of `env` (its prefix
    included): `client.send_task("order_process", args=[order_id])` sends a task to the
    workers started with `env`; `client.control` reaches them."""
    client = Celery("test-client", broker=celery_broker_url(env), set_as_current=False)
    client.conf.broker_transport_options = {"global_keyprefix": env["CELERY_BROKER_PREFIX"]}
    client.conf.broker_connection_retry_on_startup = True
    client.conf.task_serializer = "json"
    try:
        yield client
    finally:
        client.close()


def _wait_until_ready(worker: CeleryWorker, env: dict[str, str], timeout: float) -> None:
    """Until the worker answers a ping sent to its name alone: it then consumes its
    queues. (Workers of other test runs share no broker prefix with it, and would not
    answer to this name anyway.)"""
    deadline = time.monotonic() + timeout
    with celery_client(env) as client:
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                raise RuntimeError(
                    f"the celery worker exited with {worker.process.returncode}:\n"
                    f"{worker.log.read_text()}"
                )
            if client.control.ping(destination=[worker.name], timeout=0.5):
                return
    raise RuntimeError(f"the celery worker {worker.name} did not answer within {timeout}s")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()  # warm shutdown: finishes the task it runs
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    _kill_group(process)  # the pool, and a main process that did not stop


def _kill_group(process: subprocess.Popen[str]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _delete_broker_keys(broker_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()

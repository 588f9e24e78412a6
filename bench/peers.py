"""The other servers of the read benchmarks, installed when missing and started like ours.

- graphene-django, hand-optimised (`bench/graphene_peer/`), in its own virtual environment
  (graphene-django needs graphql-core < 3.3);
- PostGraphile v5 (`bench/postgraphile/`: package.json and its lock, `npm ci` when
  node_modules is missing), one Node process in production mode over `bench_pgl`, a schema
  of views of the same tables (`schema.sql`, applied on every run, so it follows
  migrations);
- the json_agg floor (`bench/json_agg_floor.py`), one statement under daphne.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.harness import ROOT, server, sh

BENCH = ROOT / "bench"
GRAPHENE_VENV = BENCH / ".venv-graphene"
POSTGRAPHILE = BENCH / "postgraphile"
QUERIES = BENCH / "queries"


def ensure_wrk() -> None:
    if shutil.which("wrk") is None:
        print("installing wrk (Debian package)…", flush=True)
        sh("apt-get", "install", "-y", "-q", "wrk")


def ensure_graphene() -> None:
    if not (GRAPHENE_VENV / "bin" / "daphne").exists():
        print("creating the graphene-django peer's virtual environment…", flush=True)
        sh("python3", "-m", "venv", str(GRAPHENE_VENV))
        requirements = BENCH / "graphene_peer" / "requirements.txt"
        sh(str(GRAPHENE_VENV / "bin" / "pip"), "install", "-q", "-r", str(requirements))


def ensure_postgraphile(database_url: str) -> None:
    """Its packages from the lock file, and its schema of views in the database."""
    import psycopg

    if not (POSTGRAPHILE / "node_modules" / "postgraphile").exists():
        print("installing the PostGraphile peer (npm ci)…", flush=True)
        sh("npm", "ci", "--prefix", str(POSTGRAPHILE), "--no-audit", "--no-fund")

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute((POSTGRAPHILE / "schema.sql").read_text())


def graphene_server(database_url: str, port: int):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}},
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.graphene_peer.settings",
    }
    daphne = str(GRAPHENE_VENV / "bin" / "daphne")
    command = [daphne, "-b", "127.0.0.1", "-p", str(port), "bench.graphene_peer.asgi:application"]
    return server(command, env, port)


def postgraphile_server(database_url: str, port: int, *, subscriptions: bool = False):
    """The peer on `port`; with `subscriptions`, also its `productEvents` subscription over
    WebSocket (bench/postgraphile/subscriptions.mjs)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "NODE_ENV": "production",
        "SUBSCRIPTIONS": "1" if subscriptions else "0",
    }
    return server(["node", "server.mjs"], env, port, cwd=POSTGRAPHILE)


@contextmanager
def postgraphile_notifications(database_url: str) -> Iterator[None]:
    """The peer's NOTIFY trigger on the product event log for the duration of the block
    (bench/postgraphile/subscriptions.sql): dropped after, so that no other benchmark's
    commits pay for it."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute((POSTGRAPHILE / "subscriptions.sql").read_text())
    try:
        yield
    finally:
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(
                "DROP TRIGGER IF EXISTS bench_pgl_notify ON public.events_productevent"
            )


def floor_server(database_url: str, port: int):
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    daphne = str(ROOT / ".venv" / "bin" / "daphne")
    command = [daphne, "-b", "127.0.0.1", "-p", str(port), "bench.json_agg_floor:application"]
    return server(command, env, port)


def query_body(path: Path) -> bytes:
    """A POST body sending the document in `path`."""
    return json.dumps({"query": path.read_text()}).encode()

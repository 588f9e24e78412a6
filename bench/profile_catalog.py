"""Where the time of the heavy catalog read goes: runs it in-process through the schema
(no HTTP) and prints the mean time and a cProfile summary.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/shop_bench SECRET_KEY=x \
        .venv/bin/python bench/profile_catalog.py [--runs 20]

Use the database `bench/catalog_read.py` seeded.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from graphql_api.context import Context  # noqa: E402
from graphql_api.schema import schema  # noqa: E402

QUERY = (ROOT / "bench" / "queries" / "catalog_ours.graphql").read_text()


async def run_once() -> None:
    request = RequestFactory().post("/graphql/", HTTP_HOST="127.0.0.1")
    request.user = AnonymousUser()
    context = Context(request=request, response=HttpResponse(), viewer=request.user)
    result = await schema.execute(QUERY, context_value=context)
    assert not result.errors, result.errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run_once())
    started = time.perf_counter()
    for _ in range(args.runs):
        asyncio.run(run_once())
    print(f"mean {1000 * (time.perf_counter() - started) / args.runs:.1f} ms per request")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(5):
        asyncio.run(run_once())
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()

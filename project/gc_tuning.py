"""Garbage collection for a long-running server process: the start-up objects frozen.

Once the application is built (Django set up, the schema and its graphql-core types, the
URL resolvers, the middleware), the process holds ~145,000 objects that live until it
exits. CPython's full (generation 2) collections scan every tracked object, those
included, and come about every hundred young collections, that is every second or so
under load: each stops the event loop, and every request on the loop waits for it.
Measured on the cached anonymous read (`bench/cached_tail.py`, bench/RESULTS.md), those
pauses were the cached path's p99.

`gc.freeze()` moves the objects alive now into the permanent generation, which
collections skip; objects created later are collected as before (a frozen object that
becomes garbage is only reclaimed if it is unfrozen: these live for the process anyway).
`GC_FREEZE_AFTER_START_UP=0` turns it off.
"""

from __future__ import annotations

import gc

from django.conf import settings


def freeze_start_up_objects() -> None:
    """Collect what start-up left behind, then freeze what remains."""
    if not settings.GC_FREEZE_AFTER_START_UP:
        return
    gc.collect()
    gc.freeze()

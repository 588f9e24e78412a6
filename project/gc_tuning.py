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

The thresholds (`GC_THRESHOLDS`, 50,000/20/100 instead of CPython's 700/10/10) are set at
the same moment. A subscription event delivered to a thousand subscribers allocates tens
of thousands of short-lived objects, so with 700 the process ran dozens of young
collections per event, each one walking what survived since the last, and their pauses
landed inside the fan-out: on `bench/fanout.py` (1,000 subscribers, two processes) the
p99 from commit to the last subscriber went from 301 ms to 159 ms, p50 from 157 ms to
127 ms. The cost is memory: up to 50,000 young objects wait for their collection (a few
MB; objects without reference cycles are freed at once, as always).
"""

from __future__ import annotations

import gc

from django.conf import settings


def freeze_start_up_objects() -> None:
    """Collect what start-up left behind, then freeze what remains; set the thresholds."""
    gc.set_threshold(*settings.GC_THRESHOLDS)
    if not settings.GC_FREEZE_AFTER_START_UP:
        return
    gc.collect()
    gc.freeze()

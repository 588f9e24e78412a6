"""A version number of the public catalog: what an anonymous reader can see.

Cached anonymous responses are keyed by it, so a change makes them unreachable at once
(see graphql_api/http/response_cache.py). The bump happens after commit: a reader that
races a writer can only file an old answer under the old version, which no one asks for
again.

Only a change an anonymous reader could see moves it, so that nobody can empty the cache
with writes that change nothing public (a no-op update, a draft product's stock). The rule
is `catalog_change_record`: the event writer (domain/events/services.py) applies it to
every product event, and the writes that record no event (review edits, images, the
admin's plain saves) call it too. Each write path calls it only when it did change
something; deciding that is the writer's job, as only it knows the row before and after."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

CATALOG_VERSION_KEY = "read-version:catalog"


def _fresh_start() -> int:
    """Where a version starts when its key is missing (never set, evicted, flushed): the
    clock in microseconds, so a restarted version is above every earlier one (unless more
    than a million changes a second were counted) and never reaches old entries again."""
    return time.time_ns() // 1_000


async def acatalog_version() -> int:
    version = await cache.aget(CATALOG_VERSION_KEY)
    if version is None:
        await cache.aadd(CATALOG_VERSION_KEY, _fresh_start(), timeout=None)
        version = await cache.aget(CATALOG_VERSION_KEY) or _fresh_start()
    return int(version)


def _bump() -> None:
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:  # missing (evicted, flushed, or never read yet)
        cache.add(CATALOG_VERSION_KEY, _fresh_start(), timeout=None)


def catalog_changed() -> None:
    """Call inside the writing transaction: the version moves once it commits.

    Unconditional: for changes that are public by nature (a category, demo data, a
    reviewer's name). For anything tied to a product, use `catalog_change_record`."""
    transaction.on_commit(_bump, robust=True)


def catalog_change_record(*, was_public: bool, is_public: bool) -> bool:
    """The rule, for a write that did change something: it moves the version only when
    an anonymous reader could see what changed before or after (a published, undeleted
    product, or its reviews, images, stock...). A product only staff can see, before and
    after the change (unpublished or deleted), moves nothing; publishing, unpublishing and
    deleting a public product do. Call inside the writing transaction; returns whether the
    version will move when it commits."""
    if was_public or is_public:
        catalog_changed()
        return True
    return False

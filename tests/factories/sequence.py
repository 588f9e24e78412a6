"""One counter for every factory, so that generated names, slugs and emails never collide."""

from __future__ import annotations

import itertools

_sequence = itertools.count(1)


def next_number() -> int:
    return next(_sequence)

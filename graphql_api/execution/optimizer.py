"""strawberry-django's queryset optimizer, set up for this schema.

Library internals relied on (checked with strawberry-graphql 0.341.2 and
strawberry-graphql-django 0.93.0):
- `strawberry.extensions.SchemaExtension.resolve`: assigned back over the optimizer's own,
  so that strawberry sees an extension without a per-field hook (it compares the two).
- `strawberry_django.optimizer.DjangoOptimizerExtension.resolve`: the per-field hook dropped.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry_django.optimizer import DjangoOptimizerExtension


class QuerysetOptimizerExtension(DjangoOptimizerExtension):
    """strawberry-django's optimizer, applied where our fields build their querysets
    (strawberry-django fields call it from `get_queryset`), without its per-field
    `resolve` hook, which would wrap every value of every response.

    `only()` stays off: on nested cursor connections the optimizer applies it after
    pagination and drops the ordering columns the cursors are built from (each edge would
    then refetch them, an N+1 that also fails under ASGI)."""

    resolve = SchemaExtension.resolve  # type: ignore[assignment]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(enable_only_optimization=False, **kwargs)

"""ProductOrder: sort keys of the product list. Ties are broken by `createdAt` (newest
first) and then the id, so cursors stay stable."""

from __future__ import annotations

from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet

from domain.catalog.models import Product
from domain.catalog.search import RANK_ANNOTATION


@strawberry_django.order_type(Product, name="ProductOrder")
class ProductOrder:
    price: strawberry.auto
    name: strawberry.auto
    created_at: strawberry.auto
    rating_avg: strawberry.auto
    review_count: strawberry.auto


def product_list_order(
    queryset: QuerySet[Any], *, ordering_given: bool, searching: bool
) -> QuerySet[Any]:
    """The product list's order once `ordering` is applied: relevance first when searching
    without an explicit ordering, and always `createdAt` desc, then id, last. The standard
    path and the compiled plans both order by it."""
    explicit = list(queryset.query.order_by) if ordering_given else []
    if not explicit and searching:
        explicit = [f"-{RANK_ANNOTATION}"]
    return queryset.order_by(*explicit, "-created_at", "-id")

"""ProductOrder: sort keys of the product list. Ties are broken by `createdAt` (newest
first) and then the id, so cursors stay stable."""

from __future__ import annotations

import strawberry
import strawberry_django

from domain.catalog.models import Product


@strawberry_django.order_type(Product, name="ProductOrder")
class ProductOrder:
    price: strawberry.auto
    name: strawberry.auto
    created_at: strawberry.auto
    rating_avg: strawberry.auto
    review_count: strawberry.auto

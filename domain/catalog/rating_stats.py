"""The denormalised rating columns of Product, recomputed from the reviews."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import models
from django.db.models import Avg, Count, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce, Round

from domain.catalog.models import Product, Review


def product_rating_stats_refresh(*, product_ids: Iterable[int]) -> int:
    """Set `rating_avg` and `review_count` of these products from their reviews, in one
    UPDATE (so concurrent callers cannot lose an update). Returns the rows updated."""
    per_product = Review.objects.filter(product=OuterRef("pk")).order_by().values("product")
    average = per_product.annotate(
        value=Round(Cast(Avg("rating"), models.DecimalField(max_digits=5, decimal_places=3)), 2)
    ).values("value")[:1]
    count = per_product.annotate(value=Count("id")).values("value")[:1]
    return Product.all_objects.filter(pk__in=list(product_ids)).update(
        rating_avg=Coalesce(
            Subquery(average, output_field=models.DecimalField(max_digits=3, decimal_places=2)),
            Decimal("0.00"),
        ),
        review_count=Coalesce(Subquery(count, output_field=models.IntegerField()), 0),
    )

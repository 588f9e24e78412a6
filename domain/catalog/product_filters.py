"""The storefront's product filters as conditions over products (Django `Q` objects).

Each takes plain values and returns a condition that a list of products (or of anything
that reaches a product through `prefix`, such as `"product__"`) can be narrowed by, so
the GraphQL filters compose them with AND/OR/NOT and decide nothing themselves. Invalid
values are refused with ValidationError, on the argument's name."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Q, QuerySet

from domain.catalog.models import Category, Favorite
from domain.catalog.selectors import category_subtree
from domain.common.error_codes import CommonErrorCode, field_error
from domain.common.permissions import require_customer

MIN_RATING = 0
MAX_RATING = 5


def product_condition_in_stock(*, in_stock: bool, prefix: str = "") -> Q:
    """In stock (above 0), or out of stock (0)."""
    return Q(**{f"{prefix}stock__gt": 0}) if in_stock else Q(**{f"{prefix}stock": 0})


def product_condition_min_rating(*, min_rating: float, prefix: str = "") -> Q:
    """Rated at least `min_rating`, which must be from 0 to 5."""
    if not MIN_RATING <= min_rating <= MAX_RATING:
        raise field_error(
            "min_rating",
            f"The minimum rating must be between {MIN_RATING} and {MAX_RATING}.",
            CommonErrorCode.INVALID,
        )
    return Q(**{f"{prefix}rating_avg__gte": Decimal(str(min_rating))})


def _in_subtrees_of(roots: QuerySet[Category], prefix: str) -> Q:
    try:
        subtree: Any = category_subtree(roots=roots)
    except EmptyResultSet:
        subtree = []  # no roots: no product (Django answers without a query)
    return Q(**{f"{prefix}category_id__in": subtree})


def product_condition_in_categories(*, category_ids: Iterable[int], prefix: str = "") -> Q:
    """In one of these categories or any of their descendants (none: no product)."""
    return _in_subtrees_of(Category.objects.filter(pk__in=list(category_ids)), prefix)


def product_condition_in_category_slug(*, slug: str, prefix: str = "") -> Q:
    """In the category with this slug or any of its descendants."""
    return _in_subtrees_of(Category.objects.filter(slug=slug), prefix)


def product_condition_favorite_of(*, user: Any, is_favorite: bool, prefix: str = "") -> Q:
    """`user`'s favourites, or (false) every product but them. Anonymous users have no
    favourites to filter by: refused with UNAUTHENTICATED."""
    require_customer(user, action="filter by your favourites")
    condition = Q(**{f"{prefix}pk__in": Favorite.objects.filter(user=user).values("product_id")})
    return condition if is_favorite else ~condition

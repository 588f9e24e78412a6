"""ProductFilter: the storefront's filters, each translated to the domain's rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
import strawberry_django
from django.db.models import Q, QuerySet
from strawberry import relay

from domain.catalog import selectors
from domain.catalog.models import Category, Product
from domain.catalog.search import product_search
from graphql_api.common.errors import ApiError, ApiErrorCode, unauthenticated
from graphql_api.context import Info, viewer_of


@strawberry.input(description="Text lookups (regular expressions are not offered).")
class TextFilter:
    exact: str | None = strawberry.UNSET
    i_exact: str | None = strawberry.UNSET
    contains: str | None = strawberry.UNSET
    i_contains: str | None = strawberry.UNSET
    starts_with: str | None = strawberry.UNSET
    i_starts_with: str | None = strawberry.UNSET


@strawberry_django.filter_type(Product, name="ProductFilter")
class ProductFilter:
    name: TextFilter | None = strawberry_django.filter_field(
        description="Match on the product name."
    )
    price: strawberry_django.ComparisonFilterLookup[Decimal] | None = (
        strawberry_django.filter_field(description='e.g. {range: {start: "10", end: "50"}}')
    )
    stock: strawberry_django.ComparisonFilterLookup[int] | None = strawberry_django.filter_field()

    @strawberry_django.filter_field(description="True: stock above 0; false: out of stock.")
    def in_stock(self, queryset: QuerySet[Product], value: bool, prefix: str) -> Q:
        return Q(**{f"{prefix}stock__gt": 0}) if value else Q(**{f"{prefix}stock": 0})

    @strawberry_django.filter_field(description="A category's global ID; includes descendants.")
    def category_id(self, queryset: QuerySet[Product], value: relay.GlobalID, prefix: str) -> Q:
        if value.type_name != "Category":
            raise ApiError(ApiErrorCode.BAD_USER_INPUT, "`categoryId` is not a Category ID.")
        try:
            category_pk = int(value.node_id)
        except ValueError:
            raise ApiError(ApiErrorCode.BAD_USER_INPUT, "`categoryId` is malformed.") from None
        ids = selectors.category_subtree_ids(category_ids=[category_pk])
        return Q(**{f"{prefix}category_id__in": ids})

    @strawberry_django.filter_field(description="A category's slug; includes descendants.")
    def category_slug(self, queryset: QuerySet[Product], value: str, prefix: str) -> Q:
        roots = Category.objects.filter(slug=value).values_list("pk", flat=True)
        ids = selectors.category_subtree_ids(category_ids=roots)
        return Q(**{f"{prefix}category_id__in": ids})

    @strawberry_django.filter_field(description="Products rated at least this (0 to 5).")
    def min_rating(self, queryset: QuerySet[Product], value: float, prefix: str) -> Q:
        if not 0 <= value <= 5:
            raise ApiError(ApiErrorCode.BAD_USER_INPUT, "`minRating` must be between 0 and 5.")
        return Q(**{f"{prefix}rating_avg__gte": Decimal(str(value))})

    @strawberry_django.filter_field(
        description="True: only the viewer's favourites; false: all but them. Needs sign-in."
    )
    def is_favorite(self, info: Info, queryset: QuerySet[Product], value: bool, prefix: str) -> Q:
        viewer = viewer_of(info)
        if not viewer.is_authenticated:
            raise unauthenticated("Sign in to filter by favourites.")
        condition = Q(**{f"{prefix}pk__in": viewer.favorites.values("product_id")})
        return condition if value else ~condition

    @strawberry_django.filter_field(
        description="Full-text search (web search syntax: quotes, OR, -word). Results are "
        "ordered by relevance unless `ordering` is given."
    )
    def search(
        self, queryset: QuerySet[Product], value: str, prefix: str
    ) -> tuple[QuerySet[Product], Q]:
        return product_search(queryset, value)


def search_requested(filters: Any) -> bool:
    """Whether `filters` (possibly nested in AND/OR/NOT) asks for a search."""
    if filters in (None, strawberry.UNSET):
        return False
    if getattr(filters, "search", strawberry.UNSET) not in (None, strawberry.UNSET):
        return True
    return any(
        search_requested(nested)
        for name in ("AND", "OR", "NOT")
        for nested in _as_list(getattr(filters, name, strawberry.UNSET))
    )


def _as_list(value: Any) -> list[Any]:
    if value in (None, strawberry.UNSET):
        return []
    return value if isinstance(value, list) else [value]

"""ProductFilter: the storefront's filters. Each turns its GraphQL value into plain values
(global IDs decoded here) and asks domain/catalog/product_filters.py for the condition;
the domain's refusals become BAD_USER_INPUT or UNAUTHENTICATED errors worded for the
argument."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
import strawberry_django
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from strawberry import relay

from domain.catalog import product_filters
from domain.catalog.models import Product
from domain.catalog.search import product_search
from graphql_api.common.errors import bad_user_input
from graphql_api.common.nodes import MalformedGlobalId, WrongGlobalIdType, global_id_node_pk
from graphql_api.common.permissions import api_error_from
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
        return product_filters.product_condition_in_stock(in_stock=value, prefix=prefix)

    @strawberry_django.filter_field(description="A category's global ID; includes descendants.")
    def category_id(self, queryset: QuerySet[Product], value: relay.GlobalID, prefix: str) -> Q:
        try:
            category_pk = global_id_node_pk(value, type_name="Category")
        except WrongGlobalIdType:
            raise bad_user_input("`categoryId` is not a Category ID.") from None
        except MalformedGlobalId:
            raise bad_user_input("`categoryId` is malformed.") from None
        return product_filters.product_condition_in_categories(
            category_ids=[category_pk], prefix=prefix
        )

    @strawberry_django.filter_field(description="A category's slug; includes descendants.")
    def category_slug(self, queryset: QuerySet[Product], value: str, prefix: str) -> Q:
        return product_filters.product_condition_in_category_slug(slug=value, prefix=prefix)

    @strawberry_django.filter_field(description="Products rated at least this (0 to 5).")
    def min_rating(self, queryset: QuerySet[Product], value: float, prefix: str) -> Q:
        try:
            return product_filters.product_condition_min_rating(min_rating=value, prefix=prefix)
        except ValidationError as error:
            raise api_error_from(error, message="`minRating` must be between 0 and 5.") from None

    @strawberry_django.filter_field(
        description="True: only the viewer's favourites; false: all but them. Needs sign-in."
    )
    def is_favorite(self, info: Info, queryset: QuerySet[Product], value: bool, prefix: str) -> Q:
        try:
            return product_filters.product_condition_favorite_of(
                user=viewer_of(info), is_favorite=value, prefix=prefix
            )
        except ValidationError as error:
            raise api_error_from(error, message="Sign in to filter by favourites.") from None

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

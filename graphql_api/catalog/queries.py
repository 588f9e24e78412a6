"""Catalog root fields."""

from __future__ import annotations

from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry_django.fields.field import StrawberryDjangoField

from domain.catalog import selectors
from domain.catalog.models import Product
from graphql_api.catalog.filters import ProductFilter, search_requested
from graphql_api.catalog.ordering import ProductOrder, product_list_order
from graphql_api.catalog.types import CategoryType, ProductType
from graphql_api.common.errors import bad_user_input
from graphql_api.common.nodes import decode_global_id
from graphql_api.common.permissions import domain_refusals_as_errors
from graphql_api.context import Info, viewer_of
from graphql_api.execution.page_rules import CursorConnection


class ProductListField(StrawberryDjangoField):
    """Applies filters and ordering, then the tiebreakers: relevance first when searching
    without an explicit ordering, and always `createdAt` desc, then id, last."""

    def get_queryset(self, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        queryset = super().get_queryset(queryset, info, **kwargs)
        return product_list_order(
            queryset,
            ordering_given=bool(kwargs.get("ordering")),
            searching=search_requested(kwargs.get("filters")),
        )


@strawberry.type
class CatalogQuery:
    @strawberry_django.connection(
        CursorConnection[ProductType],
        field_cls=ProductListField,
        filters=ProductFilter,
        ordering=ProductOrder,
        description="Published products, newest first. Staff may add `includeUnpublished`.",
    )
    def products(
        self,
        info: Info,
        include_unpublished: bool = False,
        # Declared here (not left to strawberry-django) so that an explicit null is allowed;
        # ProductListField applies it.
        ordering: list[ProductOrder] | None = None,
    ) -> QuerySet[Product]:
        with domain_refusals_as_errors():
            return selectors.product_list_visible_to(
                user=viewer_of(info), include_unpublished=include_unpublished
            )

    @strawberry_django.field(description="One product by global ID or slug (give exactly one).")
    def product(
        self, info: Info, id: strawberry.ID | None = None, slug: str | None = None
    ) -> ProductType | None:
        if (id is None) == (slug is None):
            raise bad_user_input("Give exactly one of `id` and `slug`.")
        viewer = viewer_of(info)
        if slug is not None:
            return selectors.product_get_visible_by_slug(user=viewer, slug=slug)  # type: ignore[return-value]
        pk = decode_global_id(id, type_name="Product")
        if pk is None:
            return Product.objects.none()  # type: ignore[return-value]
        return selectors.product_restrict_to_visible(  # type: ignore[return-value]
            Product.objects.filter(pk=pk), user=viewer
        )

    @strawberry_django.connection(
        CursorConnection[CategoryType], description="The category tree, in display order."
    )
    def categories(self) -> QuerySet[Any]:
        return selectors.category_list()

    @strawberry_django.field
    def category(self, slug: str) -> CategoryType | None:
        return selectors.category_list().filter(slug=slug)  # type: ignore[return-value]

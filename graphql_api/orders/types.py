"""GraphQL types of orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry_django
from django.db.models import QuerySet
from strawberry import relay

from domain.catalog.selectors import product_is_visible_to
from domain.orders import models, selectors
from graphql_api.catalog.types import ProductType
from graphql_api.common.enums import enum_from_choices
from graphql_api.context import Info, viewer_of
from graphql_api.execution.fast_fields import pure

OrderStatusEnum = enum_from_choices(models.OrderStatus, "OrderStatus")


@strawberry_django.type(models.OrderLine, name="OrderLine")
class OrderLineType:
    quantity: int
    unit_price: Decimal = strawberry_django.field(description="The price when ordered.")
    product_name: str = strawberry_django.field(description="The name when ordered.")

    @strawberry_django.field(
        select_related=["product"],
        description="Null once the product is unpublished or deleted (unless you are staff).",
    )
    @pure
    def product(self: models.OrderLine, info: Info) -> ProductType | None:
        product = self.product
        visible = product_is_visible_to(product, user=viewer_of(info))
        return product if visible else None  # type: ignore[return-value]


@strawberry_django.type(models.Order, name="Order")
class OrderType(relay.Node):
    id: relay.NodeID[int]
    number: str
    total: Decimal
    currency: str
    created_at: datetime
    updated_at: datetime
    lines: list[OrderLineType]

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        return selectors.order_restrict_to_visible(queryset, user=viewer_of(info))

    @strawberry_django.field(only=["status"])
    @pure
    def status(self: models.Order, info: Info) -> OrderStatusEnum:
        return OrderStatusEnum(self.status)

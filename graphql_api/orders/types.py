"""GraphQL types of orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry_django
from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from strawberry import relay

from domain.catalog.selectors import product_is_visible_to
from domain.orders import models, selectors
from graphql_api.accounts.types import UserType
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

    @strawberry_django.field(
        name="customer",
        select_related=["customer"],
        description="Who placed the order: seen by its owner and by staff; null otherwise.",
    )
    @pure
    def placed_by(self: models.Order, info: Info) -> UserType | None:
        """Joined to the orders' own query (a plain `customer` field would make the
        optimizer prefetch through `UserType.get_queryset`: one more query per page). The
        account's own field rules (email, staff flag) still apply to what is selected.
        Where the optimizer does not run (a mutation's payload, a subscription) the
        customer is read in the thread for database work."""
        if not selectors.order_customer_visible_to(self, user=viewer_of(info)):
            return None
        if models.Order.customer.is_cached(self):
            return self.customer  # type: ignore[return-value]
        return sync_to_async(lambda: self.customer)()  # type: ignore[return-value]

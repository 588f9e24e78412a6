"""GraphQL types of the catalog, with optimizer hints.

Visibility lives in each type's `get_queryset`, which strawberry-django applies to every
queryset of that type: root lists, nested lists and `node(id:)` alike.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from strawberry import relay

from domain.catalog import models, selectors
from graphql_api.context import Info, viewer_of
from graphql_api.execution.fast_fields import pure
from graphql_api.execution.page_rules import CursorConnection

if TYPE_CHECKING:
    from graphql_api.accounts.types import UserType


@strawberry_django.type(models.ProductImage, name="ProductImage")
class ProductImageType:
    alt_text: str
    position: int

    @strawberry_django.field(description="Absolute URL of the image file.")
    @pure
    def url(self: models.ProductImage, info: Info) -> str:
        request = info.context.request
        if request is None:  # over WebSocket: no request to take the host from
            return self.image.url
        return request.build_absolute_uri(self.image.url)


@strawberry_django.type(models.Category, name="Category")
class CategoryType(relay.Node):
    # An explicit NodeID: without it strawberry re-evaluates the class annotations on
    # every `id` it resolves (≈0.7 ms each).
    id: relay.NodeID[int]
    name: str
    slug: str
    position: int
    parent: CategoryType | None

    @strawberry_django.field(
        only=["id"],
        description="Published products in this category and all its descendants.",
    )
    async def product_count(self: models.Category, info: Info) -> int:
        return await info.context.loaders.published_product_count_by_category_id.load(self.pk)


@strawberry_django.type(models.Review, name="Review")
class ReviewType(relay.Node):
    id: relay.NodeID[int]
    rating: int
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    product: Annotated[ProductType, strawberry.lazy("graphql_api.catalog.types")]

    @strawberry_django.field(name="author", select_related=["author"])
    @pure
    def written_by(
        self: models.Review, info: Info
    ) -> Annotated[UserType, strawberry.lazy("graphql_api.accounts.types")]:
        """The author, joined to the review's own query. `UserType.get_queryset` (who may
        know of an account) is not applied here on purpose: the author of a review you may
        see is an account you may know of, by that very rule, and a plain `author` field
        would make the optimizer prefetch authors through it (one more query per page).
        The resolver's name is not a model field's, so the optimizer takes only the hint
        given here. Where the optimizer does not run (subscriptions) the author is read
        in the thread for database work, as strawberry-django would."""
        if models.Review.author.is_cached(self):
            return self.author  # type: ignore[return-value]
        return sync_to_async(lambda: self.author)()  # type: ignore[return-value]

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        return selectors.review_restrict_to_visible(queryset, user=viewer_of(info))


@strawberry_django.type(models.Product, name="Product")
class ProductType(relay.Node):
    id: relay.NodeID[int]
    name: str
    slug: str
    description: str
    price: Decimal
    currency: str = strawberry_django.field(description="ISO 4217 code of the price.")
    stock: int
    is_published: bool
    review_count: int
    created_at: datetime
    updated_at: datetime
    category: CategoryType
    reviews: CursorConnection[ReviewType] = strawberry_django.connection(
        description="Newest first."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        return selectors.product_restrict_to_visible(queryset, user=viewer_of(info))

    @strawberry_django.field(description="Mean review rating, 0 to 5.")
    @pure
    def rating_avg(self: models.Product, info: Info) -> float:
        return float(self.rating_avg)

    @strawberry_django.field(only=["id"], description="False for anonymous callers.")
    async def is_favorite(self: models.Product, info: Info) -> bool:
        return await info.context.loaders.is_favorite_by_product_id.load(self.pk)

    @strawberry_django.field(only=["id"], description="Lowest position first.")
    async def images(self: models.Product, info: Info) -> list[ProductImageType]:
        return await info.context.loaders.images_by_product_id.load(self.pk)  # type: ignore[return-value]

    @strawberry_django.field(only=["id"], description="The image with the lowest position.")
    async def primary_image(self: models.Product, info: Info) -> ProductImageType | None:
        images = await info.context.loaders.images_by_product_id.load(self.pk)
        return images[0] if images else None  # type: ignore[return-value]

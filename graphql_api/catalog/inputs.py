"""Inputs of the catalog mutations."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.input(name="ProductCreateInput")
class ProductCreateInput:
    name: str
    price: Decimal = strawberry.field(description='Decimal as a string: "12.50".')
    stock: int
    category_id: strawberry.ID
    slug: str | None = strawberry.field(
        default=None, description="Derived from the name when absent."
    )
    description: str | None = None
    currency: str | None = strawberry.field(default=None, description="ISO 4217; default EUR.")
    is_published: bool | None = False


@strawberry.input(name="ProductUpdateInput", description="Only the fields given change.")
class ProductUpdateInput:
    name: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    price: Decimal | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    stock: int | None = strawberry.UNSET
    category_id: strawberry.ID | None = strawberry.UNSET
    is_published: bool | None = strawberry.UNSET


@strawberry.input(name="ReviewCreateInput")
class ReviewCreateInput:
    product_id: strawberry.ID
    rating: int = strawberry.field(description="1 to 5.")
    title: str = strawberry.field(description="1 to 200 characters.")
    body: str | None = None


@strawberry.input(name="ReviewUpdateInput", description="Only the fields given change.")
class ReviewUpdateInput:
    rating: int | None = None
    title: str | None = None
    body: str | None = None


@strawberry.input(name="CategoryCreateInput")
class CategoryCreateInput:
    name: str = strawberry.field(description="1 to 120 characters.")
    slug: str | None = strawberry.field(
        default=None, description="Derived from the name when absent; unique."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The parent category; none for a root."
    )
    position: int | None = strawberry.field(
        default=None,
        description="Order among siblings, lowest first (0 or more); default: after the last.",
    )


@strawberry.input(
    name="CategoryUpdateInput",
    description="Only the fields given change. `parentId: null` makes it a root; "
    "`slug: null` derives the slug from the name again.",
)
class CategoryUpdateInput:
    name: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.UNSET
    position: int | None = strawberry.UNSET

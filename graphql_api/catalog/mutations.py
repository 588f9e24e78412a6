"""Catalog mutations: staff manage products, stock and images; customers review and
favourite. Each resolves global IDs, calls one domain service and maps its errors."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from domain.catalog import services
from graphql_api.catalog.inputs import (
    ProductCreateInput,
    ProductUpdateInput,
    ReviewCreateInput,
    ReviewUpdateInput,
)
from graphql_api.catalog.types import ProductImageType, ProductType, ReviewType
from graphql_api.common.nodes import decode_global_id, service_pk
from graphql_api.common.payload_errors import MutationError, call_service, not_found_error
from graphql_api.context import Info, viewer_of


@strawberry.type(name="ProductPayload")
class ProductPayload:
    product: ProductType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="DeletePayload")
class DeletePayload:
    deleted_id: strawberry.ID | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="ProductImagePayload")
class ProductImagePayload:
    image: ProductImageType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(name="ReviewPayload")
class ReviewPayload:
    review: ReviewType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _global(type_name: str, pk: Any) -> strawberry.ID:
    return strawberry.ID(str(strawberry.relay.GlobalID(type_name, str(pk))))


def _product_changes(input: ProductUpdateInput) -> dict[str, Any]:
    changes = {
        name: getattr(input, name)
        for name in (
            "name",
            "slug",
            "description",
            "price",
            "currency",
            "stock",
            "is_published",
            "category_id",
        )
        if getattr(input, name) is not strawberry.UNSET
    }
    if "category_id" in changes:
        changes["category_id"] = service_pk(changes["category_id"], type_name="Category")
    return changes


# productUpdate and productDelete name the product `id`.
_PRODUCT_AS_ID = {"product_id": "id"}


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Staff: a new product.")
    async def product_create(self, info: Info, input: ProductCreateInput) -> ProductPayload:
        product, errors = await call_service(
            services.product_create,
            actor=viewer_of(info),
            name=input.name,
            slug=input.slug,
            description=input.description or "",
            price=input.price,
            currency=input.currency,
            stock=input.stock,
            category_id=service_pk(input.category_id, type_name="Category"),
            is_published=bool(input.is_published),
        )
        return ProductPayload(product=product, errors=errors)

    @strawberry.mutation(description="Staff: change a product (publishing included).")
    async def product_update(
        self, info: Info, id: strawberry.ID, input: ProductUpdateInput
    ) -> ProductPayload:
        product, errors = await call_service(
            services.product_update,
            paths=_PRODUCT_AS_ID,
            actor=viewer_of(info),
            product_id=service_pk(id, type_name="Product"),
            **_product_changes(input),
        )
        return ProductPayload(product=product, errors=errors)

    @strawberry.mutation(description="Staff: remove a product (order history keeps it).")
    async def product_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        deleted, errors = await call_service(
            services.product_delete,
            paths=_PRODUCT_AS_ID,
            actor=viewer_of(info),
            product_id=service_pk(id, type_name="Product"),
        )
        return DeletePayload(deleted_id=deleted and _global("Product", deleted), errors=errors)

    @strawberry.mutation(description="Staff: add to (or, negative, take from) the stock.")
    async def stock_adjust(
        self, info: Info, product_id: strawberry.ID, delta: int
    ) -> ProductPayload:
        product, errors = await call_service(
            services.stock_adjust,
            actor=viewer_of(info),
            product_id=service_pk(product_id, type_name="Product"),
            delta=delta,
        )
        return ProductPayload(product=product, errors=errors)

    @strawberry.mutation(description="Staff: add an image (GraphQL multipart request).")
    async def product_image_upload(
        self, info: Info, product_id: strawberry.ID, file: Upload, alt_text: str | None = None
    ) -> ProductImagePayload:
        image, errors = await call_service(
            services.product_image_add,
            actor=viewer_of(info),
            product_id=service_pk(product_id, type_name="Product"),
            upload=file,
            alt_text=alt_text,
        )
        return ProductImagePayload(image=image, errors=errors)

    @strawberry.mutation(description="Review a product (once).")
    async def review_create(self, info: Info, input: ReviewCreateInput) -> ReviewPayload:
        product_id = decode_global_id(input.product_id, type_name="Product")
        if product_id is None:
            return ReviewPayload(errors=[not_found_error("productId", "product")])
        review, errors = await call_service(
            services.review_create,
            actor=viewer_of(info),
            product_id=product_id,
            rating=input.rating,
            title=input.title,
            body=input.body,
        )
        return ReviewPayload(review=review, errors=errors)

    @strawberry.mutation(description="Edit your review.")
    async def review_update(
        self, info: Info, id: strawberry.ID, input: ReviewUpdateInput
    ) -> ReviewPayload:
        review_id = decode_global_id(id, type_name="Review")
        if review_id is None:
            return ReviewPayload(errors=[not_found_error("id", "review")])
        review, errors = await call_service(
            services.review_update,
            paths={"review_id": "id"},
            actor=viewer_of(info),
            review_id=review_id,
            rating=input.rating,
            title=input.title,
            body=input.body,
        )
        return ReviewPayload(review=review, errors=errors)

    @strawberry.mutation(description="Remove your review (staff: any review).")
    async def review_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        review_id = decode_global_id(id, type_name="Review")
        if review_id is None:
            return DeletePayload(errors=[not_found_error("id", "review")])
        deleted, errors = await call_service(
            services.review_delete,
            paths={"review_id": "id"},
            actor=viewer_of(info),
            review_id=review_id,
        )
        return DeletePayload(deleted_id=deleted and _global("Review", deleted), errors=errors)

    @strawberry.mutation(description="Favourite a product, or un-favourite it.")
    async def favorite_toggle(self, info: Info, product_id: strawberry.ID) -> ProductPayload:
        pk = decode_global_id(product_id, type_name="Product")
        if pk is None:
            return ProductPayload(errors=[not_found_error("productId", "product")])
        result, errors = await call_service(
            services.favorite_toggle, actor=viewer_of(info), product_id=pk
        )
        if result is None:
            return ProductPayload(errors=errors)
        product, is_favorite = result
        info.context.loaders.is_favorite_by_product_id.prime(product.pk, is_favorite, force=True)
        return ProductPayload(product=product)

"""Category mutations (staff): create, update (rename, move, reorder), delete. Each
resolves global IDs, calls one domain service and maps its errors."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.catalog import services
from graphql_api.catalog.inputs import CategoryCreateInput, CategoryUpdateInput
from graphql_api.catalog.mutations import DeletePayload
from graphql_api.catalog.types import CategoryType
from graphql_api.common.nodes import service_pk
from graphql_api.common.payload_errors import MutationError, call_service
from graphql_api.context import Info, viewer_of

# categoryUpdate and categoryDelete name the category `id`.
_CATEGORY_AS_ID = {"category_id": "id"}


@strawberry.type(name="CategoryPayload")
class CategoryPayload:
    category: CategoryType | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _parent_pk(value: strawberry.ID | None) -> int | None:
    """None for no parent; an ID that does not decode names no category (NOT_FOUND)."""
    return None if value is None else service_pk(value, type_name="Category")


def _category_changes(input: CategoryUpdateInput) -> dict[str, Any]:
    changes = {
        name: getattr(input, name)
        for name in ("name", "slug", "parent_id", "position")
        if getattr(input, name) is not strawberry.UNSET
    }
    if "parent_id" in changes:
        changes["parent_id"] = _parent_pk(changes["parent_id"])
    return changes


@strawberry.type
class CategoryMutation:
    @strawberry.mutation(description="Staff: a new category.")
    async def category_create(self, info: Info, input: CategoryCreateInput) -> CategoryPayload:
        category, errors = await call_service(
            services.category_create,
            actor=viewer_of(info),
            name=input.name,
            slug=input.slug,
            parent_id=_parent_pk(input.parent_id),
            position=input.position,
        )
        return CategoryPayload(category=category, errors=errors)

    @strawberry.mutation(
        description="Staff: rename, move or reorder a category. A move under itself or one "
        "of its subcategories is refused (INVALID)."
    )
    async def category_update(
        self, info: Info, id: strawberry.ID, input: CategoryUpdateInput
    ) -> CategoryPayload:
        category, errors = await call_service(
            services.category_update,
            paths=_CATEGORY_AS_ID,
            actor=viewer_of(info),
            category_id=service_pk(id, type_name="Category"),
            **_category_changes(input),
        )
        return CategoryPayload(category=category, errors=errors)

    @strawberry.mutation(
        description="Staff: delete a category that holds no subcategories and no products "
        "(IN_USE otherwise: move or delete them first)."
    )
    async def category_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        deleted, errors = await call_service(
            services.category_delete,
            paths=_CATEGORY_AS_ID,
            actor=viewer_of(info),
            category_id=service_pk(id, type_name="Category"),
        )
        deleted_id = deleted and strawberry.ID(
            str(strawberry.relay.GlobalID("Category", str(deleted)))
        )
        return DeletePayload(deleted_id=deleted_id, errors=errors)

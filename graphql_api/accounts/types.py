"""GraphQL types of accounts."""

from __future__ import annotations

from typing import Any

import strawberry_django
from django.db.models import QuerySet
from strawberry import relay

from domain.accounts import models
from domain.accounts.selectors import user_private_fields_visible, user_restrict_to_visible
from domain.catalog import selectors as catalog_selectors
from graphql_api.catalog.types import ProductType
from graphql_api.context import Info, viewer_of
from graphql_api.execution.fast_fields import pure
from graphql_api.execution.page_rules import CursorConnection


def _private(user: models.User, info: Info) -> bool:
    if user.pk in info.context.revealed_user_ids:
        return True
    return user_private_fields_visible(viewer=viewer_of(info), subject=user)


@strawberry_django.type(models.User, name="User")
class UserType(relay.Node):
    """`id` and `displayName` are public; the rest is null unless you are this user or staff.
    Others see an account only once it wrote a review they may see (`node` answers null
    otherwise)."""

    id: relay.NodeID[int]
    display_name: str

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Info, **kwargs: Any) -> QuerySet[Any]:
        return user_restrict_to_visible(queryset, viewer=viewer_of(info))

    @strawberry_django.field
    @pure
    def email(self: models.User, info: Info) -> str | None:
        return self.email if _private(self, info) else None

    @strawberry_django.field
    @pure
    def is_staff(self: models.User, info: Info) -> bool | None:
        return self.is_staff if _private(self, info) else None

    @strawberry_django.connection(
        CursorConnection[ProductType], description="Empty unless you may see it."
    )
    def favorites(self: models.User, info: Info) -> QuerySet[Any]:
        if not _private(self, info):
            return catalog_selectors.product_list_favorited_by(owner=None, viewer=None)
        return catalog_selectors.product_list_favorited_by(owner=self, viewer=viewer_of(info))

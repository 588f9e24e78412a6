"""Account root fields."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.types import UserType
from graphql_api.context import Info, viewer_of


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in user; null for anonymous callers.")
    def me(self, info: Info) -> UserType | None:
        viewer = viewer_of(info)
        return viewer if viewer.is_authenticated else None  # type: ignore[return-value]

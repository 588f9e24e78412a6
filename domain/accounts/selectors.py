"""Reads and visibility rules of accounts."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from domain.accounts.models import ApiKey, User
from domain.catalog.selectors import review_list_visible_to
from domain.common.permissions import (
    StaffScope,
    acts_as_themself,
    is_signed_in,
    is_staff,
    require_staff,
)


def user_private_fields_visible(*, viewer: Any, subject: Any) -> bool:
    """A user's email, staff flag, favourites and orders are seen by that user and by staff."""
    if is_staff(viewer, StaffScope.ORDERS_READ):
        return True
    return acts_as_themself(viewer) and viewer.pk == subject.pk


def user_restrict_to_visible(queryset: QuerySet[User], *, viewer: Any) -> QuerySet[User]:
    """Narrow any user queryset to the accounts `viewer` may know of: staff know every
    account; anyone else knows themself and the authors of the reviews they may see (a
    review shows its author's display name anyway). So no one can list the accounts by
    asking for `User:1`, `User:2`, … — an account that never wrote a visible review does
    not exist for others."""
    if is_staff(viewer, StaffScope.ORDERS_READ):
        return queryset
    visible = Q(pk__in=review_list_visible_to(user=viewer).values("author_id"))
    if is_signed_in(viewer):
        visible |= Q(pk=viewer.pk)
    return queryset.filter(visible)


def api_key_list_visible_to(*, user: Any) -> QuerySet[ApiKey]:
    """Every API key, newest first, for staff signed in as themselves (UNAUTHENTICATED or
    PERMISSION_DENIED for anyone else, an API key included): keys act for the shop, so
    each staff member sees every key, whoever made it."""
    require_staff(user, action="list API keys")
    return ApiKey.objects.order_by("-created_at", "-id")


def api_key_restrict_to_visible(queryset: QuerySet[ApiKey], *, user: Any) -> QuerySet[ApiKey]:
    """Narrow any key queryset (`node(id:)`) to what `user` may see: all for staff signed in
    as themselves, none for anyone else."""
    return queryset if is_staff(user) else queryset.none()

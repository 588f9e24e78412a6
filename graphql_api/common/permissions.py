"""Translating the domain's access rules into GraphQL errors (the rules live in domain/)."""

from __future__ import annotations

from typing import Any

from graphql_api.common.errors import permission_denied, unauthenticated


def require_staff(viewer: Any, *, action: str) -> None:
    """UNAUTHENTICATED for anonymous callers, PERMISSION_DENIED for non-staff."""
    if viewer is None or not viewer.is_authenticated:
        raise unauthenticated(f"Sign in as staff to {action}.")
    if not viewer.is_staff:
        raise permission_denied(f"Only staff may {action}.")

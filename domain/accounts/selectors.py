"""Reads and visibility rules of accounts."""

from __future__ import annotations

from typing import Any


def user_private_fields_visible(*, viewer: Any, subject: Any) -> bool:
    """A user's email, staff flag, favourites and orders are seen by that user and by staff."""
    if viewer is None or not viewer.is_authenticated:
        return False
    return bool(viewer.is_staff or viewer.pk == subject.pk)

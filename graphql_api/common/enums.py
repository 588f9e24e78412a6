"""GraphQL enums made from the domain's choices, so the two cannot drift apart."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from django.db import models


def enum_from_choices(choices: type[models.TextChoices], name: str) -> Any:
    """A GraphQL enum whose values are the choices' names and whose Python values are the
    stored (domain) values."""
    return strawberry.enum(
        Enum(name, {choice.name: choice.value for choice in choices}),  # type: ignore[misc]
        name=name,
    )

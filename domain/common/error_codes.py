"""Error codes that carry their own documentation.

Each app's `error_codes.py` defines a `DocumentedCode` enum; services raise Django's
`ValidationError` with one of its members as `code`, and the GraphQL layer publishes every
member in its `ErrorCode` enum (UPPER name, with the description)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError


class DocumentedCode(StrEnum):
    description: str

    def __new__(cls, value: str, description: str = "") -> DocumentedCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class CommonErrorCode(DocumentedCode):
    UNAUTHENTICATED = "unauthenticated", "Sign in first."
    PERMISSION_DENIED = "permission_denied", "Signed in, but not allowed to do this."
    NOT_FOUND = "not_found", "No such object, or not one you may see."
    REQUIRED = "required", "A value is required."
    INVALID = "invalid", "The value is not valid (the message says why)."
    UNIQUE = "unique", "The value is already taken."


def field_error(field: str, message: str, code: DocumentedCode, **params: Any) -> ValidationError:
    """A ValidationError on one input field (`field` is the service argument's name)."""
    return ValidationError({field: ValidationError(message, code=code.value, params=params)})


def input_error(message: str, code: DocumentedCode, **params: Any) -> ValidationError:
    """A ValidationError about the input as a whole."""
    return ValidationError(message, code=code.value, params=params)

"""GraphQL errors with a machine-readable `extensions.code`, and the mapping that gives
every error a client sees one (and never an internal message or stack trace): what gives
an error without one its code is graphql_api/execution/error_codes.py."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from graphql import GraphQLError


class ApiErrorCode(StrEnum):
    """Codes of top-level GraphQL errors (`errors[].extensions.code`)."""

    BAD_REQUEST = "BAD_REQUEST"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    PAGINATION_LIMIT = "PAGINATION_LIMIT"
    INVALID_CURSOR = "INVALID_CURSOR"
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Persisted and trusted documents (graphql_api/persisted/).
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    PERSISTED_QUERY_VERSION_NOT_SUPPORTED = "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
    DOCUMENT_NOT_TRUSTED = "DOCUMENT_NOT_TRUSTED"


class ApiError(GraphQLError):
    """Raise from a resolver: the client sees `message` and `extensions.code`, and any
    `details` beside it in `extensions`."""

    def __init__(self, code: ApiErrorCode, message: str, **details: Any) -> None:
        super().__init__(message, extensions={"code": code.value, **details})


def unauthenticated(message: str = "Sign in to do this.") -> ApiError:
    return ApiError(ApiErrorCode.UNAUTHENTICATED, message)


def bad_user_input(message: str) -> ApiError:
    return ApiError(ApiErrorCode.BAD_USER_INPUT, message)

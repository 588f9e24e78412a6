"""GraphQL errors with a machine-readable `extensions.code`, and the mapping that gives
every error a client sees one (and never an internal message or stack trace).

Library internals relied on (checked with strawberry-graphql 0.341.2):
`strawberry.schema.exceptions.CannotGetOperationTypeError` and `InvalidOperationTypeError`,
and `strawberry.exceptions.MissingQueryError`, the original errors of strawberry's refusals
of an operation (a query over the legacy graphql-ws protocol, say)."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

logger = logging.getLogger("graphql_api.common.errors")


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


class ApiError(GraphQLError):
    """Raise from a resolver: the client sees `message` and `extensions.code`, and any
    `details` beside it in `extensions`."""

    def __init__(self, code: ApiErrorCode, message: str, **details: Any) -> None:
        super().__init__(message, extensions={"code": code.value, **details})


def permission_denied(message: str = "You do not have permission to do this.") -> ApiError:
    return ApiError(ApiErrorCode.PERMISSION_DENIED, message)


def unauthenticated(message: str = "Sign in to do this.") -> ApiError:
    return ApiError(ApiErrorCode.UNAUTHENTICATED, message)


def bad_user_input(message: str) -> ApiError:
    return ApiError(ApiErrorCode.BAD_USER_INPUT, message)


# Strawberry's refusals of a request before it runs (no operation of that name or type, no
# document): the client's mistake, told as it is.
_REQUEST_REFUSALS = (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError)


def _code_for(error: GraphQLError) -> tuple[ApiErrorCode, str | None]:
    """The code for an error without one, and a replacement message (None keeps it)."""
    original = error.original_error
    if original is None:
        if error.message.startswith("Syntax Error"):
            return ApiErrorCode.GRAPHQL_PARSE_FAILED, None
        return ApiErrorCode.GRAPHQL_VALIDATION_FAILED, None
    if str(original) == "Invalid cursor":
        return ApiErrorCode.INVALID_CURSOR, "The cursor is malformed or not from this list."
    if isinstance(original, GraphQLError):  # e.g. a variable that does not fit its type
        return ApiErrorCode.BAD_USER_INPUT, None
    if isinstance(original, _REQUEST_REFUSALS):  # e.g. a query sent over legacy graphql-ws
        return ApiErrorCode.BAD_REQUEST, None
    return ApiErrorCode.INTERNAL_SERVER_ERROR, "Internal server error."


def error_with_code(error: GraphQLError) -> GraphQLError:
    """`error` with an `extensions.code`; unexpected exceptions get a neutral message and
    are logged with their traceback instead."""
    if (error.extensions or {}).get("code"):
        return error
    original = error.original_error
    if isinstance(original, GraphQLError) and (original.extensions or {}).get("code"):
        return GraphQLError(
            original.message, nodes=error.nodes, path=error.path, extensions=original.extensions
        )
    code, message = _code_for(error)
    if code is ApiErrorCode.INTERNAL_SERVER_ERROR:
        logger.error("Unexpected error at %s", error.path, exc_info=original)
    return GraphQLError(
        message or error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code.value},
    )

"""The `extensions.code` of every error a client sees, decided from what raised it, and a
neutral message (with the traceback logged instead) for an unexpected exception.

- an error that already has a code (`ApiError`, or one wrapping it) keeps it;
- a `graphql.GraphQLSyntaxError` (the document did not parse, or passed the length or
  token limit) is GRAPHQL_PARSE_FAILED; any other error without an original exception is
  GRAPHQL_VALIDATION_FAILED;
- strawberry-django's refusal of a cursor it cannot decode is INVALID_CURSOR (it raises a
  plain `ValueError("Invalid cursor")`: there is no class to tell it by, so its message is
  matched, and tests/test_library_internals.py checks strawberry-django still says so);
- an original `GraphQLError` (a variable that does not fit its type) is BAD_USER_INPUT;
- strawberry's refusals of an operation (none of that name or type, no document: a query
  sent over the legacy graphql-ws protocol, say) are BAD_REQUEST;
- anything else is INTERNAL_SERVER_ERROR, with the message "Internal server error.".

Library internals relied on (checked with strawberry-graphql 0.341.2 and
strawberry-graphql-django 0.93.0):
- `strawberry.schema.exceptions.CannotGetOperationTypeError`: strawberry's refusal of an
  operation name the document does not hold.
- `strawberry.schema.exceptions.InvalidOperationTypeError`: strawberry's refusal of an
  operation type the transport does not run.
- `strawberry_django.relay.cursor_connection.OrderedCollectionCursor.from_cursor`: raises
  `ValueError("Invalid cursor")` for a cursor it cannot decode (matched by message).
"""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from graphql_api.common.errors import ApiErrorCode

logger = logging.getLogger("graphql_api.common.errors")

# Strawberry's refusals of a request before it runs: the client's mistake, told as it is.
REQUEST_REFUSALS = (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError)

STRAWBERRY_DJANGO_INVALID_CURSOR = "Invalid cursor"
INVALID_CURSOR_MESSAGE = "The cursor is malformed or not from this list."
INTERNAL_ERROR_MESSAGE = "Internal server error."


def _is_cursor_refusal(original: BaseException) -> bool:
    return type(original) is ValueError and str(original) == STRAWBERRY_DJANGO_INVALID_CURSOR


def _code_for(error: GraphQLError) -> tuple[ApiErrorCode, str | None]:
    """The code for an error without one, and a replacement message (None keeps it)."""
    original = error.original_error
    if original is None:
        if isinstance(error, GraphQLSyntaxError):
            return ApiErrorCode.GRAPHQL_PARSE_FAILED, None
        return ApiErrorCode.GRAPHQL_VALIDATION_FAILED, None
    if _is_cursor_refusal(original):
        return ApiErrorCode.INVALID_CURSOR, INVALID_CURSOR_MESSAGE
    if isinstance(original, GraphQLError):  # e.g. a variable that does not fit its type
        return ApiErrorCode.BAD_USER_INPUT, None
    if isinstance(original, REQUEST_REFUSALS):  # e.g. a query sent over legacy graphql-ws
        return ApiErrorCode.BAD_REQUEST, None
    return ApiErrorCode.INTERNAL_SERVER_ERROR, INTERNAL_ERROR_MESSAGE


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

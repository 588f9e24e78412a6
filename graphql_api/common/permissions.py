"""The domain's access refusals as top-level GraphQL errors (the rules live in
domain/common/permissions.py and the selectors that apply them).

A selector or service refuses with a ValidationError coded UNAUTHENTICATED or
PERMISSION_DENIED; a query field reports it as an error with that code and the domain's
message. Mutations report the same refusals in their payload instead
(graphql_api/common/payload_errors.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError

from domain.common.error_codes import CommonErrorCode
from graphql_api.common.errors import ApiError, ApiErrorCode

_API_CODES = {
    CommonErrorCode.UNAUTHENTICATED.value: ApiErrorCode.UNAUTHENTICATED,
    CommonErrorCode.PERMISSION_DENIED.value: ApiErrorCode.PERMISSION_DENIED,
}


def api_error_from(error: ValidationError, *, message: str | None = None) -> ApiError:
    """The top-level error for a domain refusal: its code (BAD_USER_INPUT for a refusal of
    the input rather than of the caller) and its message, or `message` when the API words
    it for the argument the client gave."""
    if hasattr(error, "error_dict"):
        first = next(e for errors in error.error_dict.values() for e in errors)
    else:
        first = error.error_list[0]
    code = _API_CODES.get(str(first.code), ApiErrorCode.BAD_USER_INPUT)
    text = first.message % first.params if first.params else str(first.message)
    return ApiError(code, message or text)


@contextmanager
def domain_refusals_as_errors() -> Iterator[None]:
    """Run a query's domain call; a refusal becomes its top-level GraphQL error."""
    try:
        yield
    except ValidationError as error:
        raise api_error_from(error) from None

"""Mutation payload errors: `errors: [MutationError!]!`, empty on success.

`ErrorCode` publishes every code of every domain app (their `error_codes.py`), each with
its description; `field` is the camelCase input path (`lines.1.quantity`), or null for an
error of the whole input.

Services name error fields after their own arguments (`product_id`, `lines.1.quantity`);
a mutation whose GraphQL arguments are named otherwise (`id` for `product_id`) passes
`paths` to map them, and the rest are camel-cased."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from domain.accounts.error_codes import AccountErrorCode
from domain.catalog.error_codes import CatalogErrorCode
from domain.common.error_codes import CommonErrorCode, DocumentedCode
from domain.orders.error_codes import OrderErrorCode

DOMAIN_ERROR_CODES: tuple[type[DocumentedCode], ...] = (
    CommonErrorCode,
    AccountErrorCode,
    CatalogErrorCode,
    OrderErrorCode,
)


def _collect_codes() -> dict[str, DocumentedCode]:
    codes: dict[str, DocumentedCode] = {}
    for enum in DOMAIN_ERROR_CODES:
        for member in enum:
            codes.setdefault(member.name, member)
    return codes


_CODES = _collect_codes()
_BY_VALUE = {member.value: name for name, member in _CODES.items()}

ErrorCode = strawberry.enum(
    Enum(  # type: ignore[misc]
        "ErrorCode",
        {
            name: strawberry.enum_value(name, description=member.description)
            for name, member in sorted(_CODES.items())
        },
    ),
    name="ErrorCode",
    description="Why a mutation refused its input. Nothing was changed.",
)


@strawberry.type(name="MutationError")
class MutationError:
    field: str | None = strawberry.field(
        description="The camelCase input path (`lines.1.quantity`); null for the whole input."
    )
    message: str
    code: ErrorCode  # type: ignore[valid-type]


def camel_path(path: str) -> str:
    def camel(segment: str) -> str:
        head, *rest = segment.split("_")
        return head + "".join(part.title() for part in rest)

    return ".".join(camel(segment) for segment in path.split("."))


def _code(value: str | None) -> Any:
    name = _BY_VALUE.get(value or "") or (value or "").upper()
    return ErrorCode[name] if name in ErrorCode.__members__ else ErrorCode["INVALID"]


def _message(error: ValidationError) -> str:
    return error.message % error.params if error.params else str(error.message)


def mutation_error(message: str, code: DocumentedCode, field: str | None = None) -> MutationError:
    return MutationError(field=field and camel_path(field), message=message, code=_code(code.value))


def input_path(field: str, paths: Mapping[str, str] | None = None) -> str:
    """The client's input path of a service's error field: `paths[field]` when the mutation
    names that argument otherwise, else the field camel-cased."""
    if paths and field in paths:
        return paths[field]
    return camel_path(field)


def errors_from_validation(
    error: ValidationError, *, paths: Mapping[str, str] | None = None
) -> list[MutationError]:
    """One MutationError per message of a domain ValidationError; `paths` maps service
    argument names to input paths (see `input_path`)."""
    if not hasattr(error, "error_dict"):
        return [
            MutationError(field=None, message=_message(e), code=_code(e.code))
            for e in error.error_list
        ]
    errors: list[MutationError] = []
    for field, field_errors in error.error_dict.items():
        path = None if field == NON_FIELD_ERRORS else input_path(field, paths)
        errors.extend(
            MutationError(field=path, message=_message(e), code=_code(e.code)) for e in field_errors
        )
    return errors


def unauthenticated_error() -> MutationError:
    return mutation_error("Sign in first.", CommonErrorCode.UNAUTHENTICATED)


def not_found_error(field: str, what: str = "object") -> MutationError:
    return mutation_error(f"No such {what}.", CommonErrorCode.NOT_FOUND, field=field)


async def call_service(
    service: Any, *, paths: Mapping[str, str] | None = None, **arguments: Any
) -> tuple[Any, list[MutationError]]:
    """Run a domain service in one thread hop: its result and no errors, or None and the
    errors its ValidationError carried, on the client's input paths (`paths`: see
    `input_path`)."""
    try:
        return await sync_to_async(service)(**arguments), []
    except ValidationError as error:
        return None, errors_from_validation(error, paths=paths)

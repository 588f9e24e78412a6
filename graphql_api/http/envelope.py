"""The GraphQL-over-HTTP request envelope, read and checked before any GraphQL work.

One reading of the request for everything after it (the response cache, strawberry's
execution): the body is bounded (GRAPHQL_MAX_BODY_BYTES) before it is decoded, the media
type is matched exactly (`application/json`, with an optional utf-8 charset, or a multipart
upload), and each member has its type: `query` a string (or absent when the request names
a persisted document by `documentId` or `extensions.persistedQuery`: see
graphql_api/persisted/), `operationName` a string or null, `variables` and `extensions`
objects or null. Anything else is a `BadRequest`, answered as
a GraphQL error with `extensions.code` (never a 500).

A multipart request's files are placed where its `map` says by strawberry's helper
(graphql_api.execution.http_view.place_uploads)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.http import parse_header_parameters

from graphql_api.common.errors import ApiErrorCode
from graphql_api.execution.http_view import place_uploads

JSON = "application/json"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None  # None: a persisted document, named by `document_id` or `extensions`
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None
    uploads: bool = False  # a multipart request: its variables may hold files
    document_id: str | None = None  # GraphQL over HTTP's persisted document id


class BadRequest(Exception):
    def __init__(
        self, message: str, *, status: int = 400, code: ApiErrorCode = ApiErrorCode.BAD_REQUEST
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def _too_large() -> BadRequest:
    return BadRequest(
        f"The request is larger than {settings.GRAPHQL_MAX_BODY_BYTES} bytes.",
        status=413,
        code=ApiErrorCode.REQUEST_TOO_LARGE,
    )


def _decode_json(raw: str | bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadRequest(f"{what} is not valid JSON.") from None


def _object_or_null(value: Any, member: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise BadRequest(f"`{member}` must be an object or null.")


def _from_mapping(data: Any, *, uploads: bool = False) -> GraphQLRequest:
    if isinstance(data, list):
        raise BadRequest("Batched requests are not supported: send one operation per request.")
    if not isinstance(data, dict):
        raise BadRequest("The request must be a JSON object.")
    query = data.get("query")
    extensions = _object_or_null(data.get("extensions"), "extensions")
    document_id = data.get("documentId")
    if document_id is not None and not isinstance(document_id, str):
        raise BadRequest("`documentId` must be a string.")
    persisted = document_id is not None or "persistedQuery" in (extensions or {})
    if query is None and not persisted:
        raise BadRequest("No GraphQL document in the request: send it as `query`.")
    if query is not None and not isinstance(query, str):
        raise BadRequest("`query` must be a string.")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string or null.")
    return GraphQLRequest(
        query=query,
        operation_name=operation_name,
        variables=_object_or_null(data.get("variables"), "variables"),
        extensions=extensions,
        uploads=uploads,
        document_id=document_id,
    )


def _from_query_string(request: HttpRequest) -> GraphQLRequest:
    if len(request.META.get("QUERY_STRING", "")) > settings.GRAPHQL_MAX_BODY_BYTES:
        raise _too_large()
    data: dict[str, Any] = {}
    for member in ("query", "operationName", "variables", "extensions", "documentId"):
        values = request.GET.getlist(member)
        if len(values) > 1:
            raise BadRequest(f"`{member}` is given more than once.")
        if values and values[0] != "":
            data[member] = values[0]
    for member in ("variables", "extensions"):
        if member in data:
            data[member] = _decode_json(data[member], f"`{member}`")
    return _from_mapping(data)


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _from_multipart(request: HttpRequest) -> GraphQLRequest:
    try:
        form, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise _too_large() from None
    except (MultiPartParserError, SuspiciousOperation, ValueError):
        raise BadRequest("The multipart body could not be read.") from None
    operations = form.get("operations", "")
    if len(operations) > settings.GRAPHQL_MAX_BODY_BYTES:
        raise _too_large()
    data = _decode_json(operations, "`operations`") if operations else {}
    files_map = _decode_json(form.get("map") or "{}", "`map`")
    if not isinstance(data, dict) or not isinstance(files_map, dict):
        raise BadRequest("`operations` and `map` must be JSON objects.")
    try:
        data = place_uploads(data, files_map, files)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise BadRequest("The multipart `map` names a file or path that is not there.") from None
    return _from_mapping(data, uploads=True)


def read_envelope(request: HttpRequest, *, multipart_allowed: bool) -> GraphQLRequest:
    """The operation `request` asks for; raises BadRequest."""
    if request.method == "GET":
        return _from_query_string(request)
    media_type, parameters = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    media_type = media_type.strip().lower()
    if media_type == MULTIPART and multipart_allowed:
        return _from_multipart(request)
    if media_type != JSON:
        raise BadRequest(
            "Send the operation as `Content-Type: application/json` (or as a GraphQL "
            "multipart request for uploads).",
            status=415,
        )
    if parameters.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise BadRequest("The request body must be UTF-8.", status=415)
    declared = _content_length(request)
    if declared is not None and declared > settings.GRAPHQL_MAX_BODY_BYTES:
        raise _too_large()
    try:
        body = request.body
    except RequestDataTooBig:
        raise _too_large() from None
    if len(body) > settings.GRAPHQL_MAX_BODY_BYTES:
        raise _too_large()
    if not body.strip():
        raise BadRequest("The request body is empty.")
    return _from_mapping(_decode_json(body, "The request body"))

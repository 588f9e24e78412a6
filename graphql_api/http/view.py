"""The HTTP view serving the schema at /graphql/ (and GraphiQL to browsers).

Order of work for one request, cheapest refusals first: method, the envelope
(graphql_api/http/envelope.py: size, media type, member types), CSRF, the document (its
text, or the persisted document its hash names, and in trusted mode only a trusted one:
graphql_api/persisted/), the operation (one this transport runs), for a persisted query
sent with GET its ETag (304 without execution: graphql_api/http/conditional.py), a
fresh answer from the anonymous response cache (before the document is parsed; most
hits never get here: graphql_api/http/fast_path.py serves them in front of Django), the
anonymous response cache (one computation per answer), the caller's credentials, then
strawberry's execution with the operation gate (graphql_api/execution/gate.py). Status
codes and the media type follow GraphQL over HTTP (graphql_api/http/responses.py).

strawberry executes the envelope read here through CheckedOperationView
(graphql_api/execution/http_view.py), which holds the strawberry internals this needs;
this module uses only Django's `dispatch` and strawberry's documented view hooks."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLError, OperationType
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from domain.accounts.authentication import AuthenticationFailed
from graphql_api.common.errors import ApiErrorCode
from graphql_api.context import Context
from graphql_api.execution.documents import ParsedDocument, documents, known_digest
from graphql_api.execution.http_view import CheckedOperationView, StrawberryRefusal
from graphql_api.execution.plans.runner import CompiledData
from graphql_api.http import conditional, response_cache
from graphql_api.http.authentication import resolve_viewer, unauthenticated_response
from graphql_api.http.csrf import csrf_rejection
from graphql_api.http.envelope import BadRequest, GraphQLRequest, read_envelope
from graphql_api.http.responses import (
    GRAPHQL_RESPONSE,
    apply_outcome,
    error_response,
    negotiate,
    outcome_of,
)
from graphql_api.metrics import REQUEST_STARTED, http_outcome, observe_http
from graphql_api.persisted.resolution import Document, DocumentRefused, resolve
from graphql_api.schema import schema

ALLOWED_METHODS = ("GET", "POST")


def _parsed(document: Document) -> ParsedDocument | None:
    try:
        return documents().get(document.text, document.digest)
    except GraphQLError:
        return None  # execution reports it


# Refusals that are about the request's form (400 whatever the media type); the others are
# GraphQL request errors: 200 under application/json (where Apollo's persisted-query link
# reads PERSISTED_QUERY_NOT_FOUND and sends the text), 400 under graphql-response+json.
_MALFORMED = {
    ApiErrorCode.BAD_REQUEST,
    ApiErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
    ApiErrorCode.PERSISTED_QUERY_VERSION_NOT_SUPPORTED,
}


def _document_refusal(request: HttpRequest, refusal: DocumentRefused) -> HttpResponse:
    media_type = negotiate(request.headers.get("Accept"))
    status = 400 if refusal.code in _MALFORMED or media_type == GRAPHQL_RESPONSE else 200
    return error_response(
        request,
        status=status,
        code=refusal.code,
        message=refusal.message,
        headers={"Cache-Control": "no-store"},
    )


def _operation_refusal(
    request: HttpRequest,
    operation: GraphQLRequest,
    parsed: ParsedDocument | None,
    operation_type: OperationType | None,
) -> HttpResponse | None:
    """Operations this transport does not run: none of that name, a subscription (they
    run over WebSocket), or anything but a query over GET."""
    if parsed is None:
        return None  # execution reports the syntax error
    if operation_type is None:
        return error_response(
            request,
            status=400,
            code=ApiErrorCode.BAD_REQUEST,
            message=(
                f"The document has no operation named {operation.operation_name!r}."
                if operation.operation_name is not None
                else "The document holds several operations: name one in `operationName`."
            ),
        )
    if operation_type is OperationType.SUBSCRIPTION:
        return error_response(
            request,
            status=400,
            code=ApiErrorCode.BAD_REQUEST,
            message="Subscriptions run over WebSocket at this URL, not over HTTP.",
        )
    if request.method == "GET" and operation_type is not OperationType.QUERY:
        return error_response(
            request,
            status=405,
            code=ApiErrorCode.BAD_REQUEST,
            message="Only queries may be sent with GET; send this operation with POST.",
            headers={"Allow": "POST"},
        )
    return None


class GraphQLView(CheckedOperationView):
    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """The answer, counted in the request metrics (graphql_api/metrics.py)."""
        started = REQUEST_STARTED.get() or time.perf_counter()
        try:
            response = await self._answer(request)
        except Exception:  # Django answers it with a 500
            observe_http(getattr(request, "graphql_operation_name", None), "5xx", started)
            raise
        errors = getattr(request, "graphql_errors", False)
        observe_http(
            getattr(request, "graphql_operation_name", None),
            http_outcome(response.status_code, errors=errors),
            started,
        )
        return response

    async def _answer(self, request: HttpRequest) -> Any:
        if request.method not in ALLOWED_METHODS:
            return error_response(
                request,
                status=405,
                code=ApiErrorCode.BAD_REQUEST,
                message="Send GraphQL requests with GET (queries) or POST.",
                headers={"Allow": ", ".join(ALLOWED_METHODS)},
            )
        if self.wants_graphql_ide(request):
            return await self.render_graphql_ide(request)
        try:
            operation = read_envelope(request, multipart_allowed=self.multipart_uploads_enabled)
        except BadRequest as refusal:
            return error_response(
                request, status=refusal.status, code=refusal.code, message=refusal.message
            )
        request.graphql_operation_name = operation.operation_name  # type: ignore[attr-defined]
        # After the envelope: a multipart body is then read (and refused when malformed)
        # once, by the envelope, before Django's CSRF check looks into its form fields.
        rejection = csrf_rejection(request)
        if rejection is not None:
            return rejection
        try:
            document = await resolve(operation.query, operation.extensions, operation.document_id)
        except DocumentRefused as refused:
            return _document_refusal(request, refused)
        operation = replace(operation, query=document.text)
        # The gate's parse then finds the document by the digest known here.
        known = known_digest.set((document.text, document.digest))
        try:
            return await self._run(request, operation, document)
        finally:
            known_digest.reset(known)

    async def _run(
        self, request: HttpRequest, operation: GraphQLRequest, document: Document
    ) -> HttpResponse:
        # The key this request's answer has if it is a query: a fresh entry under it is
        # served before any more work (only queries that answered without errors are filed,
        # and the key holds the document and the operation name, which make it one). A GET
        # by hash goes on to its ETag, which a hit would not carry.
        key = await response_cache.cache_key(
            request, operation, OperationType.QUERY, digest=document.digest
        )
        if key is not None and not (request.method == "GET" and document.by_hash):
            hit = await response_cache.fresh_answer(key)
            if hit is not None:
                return hit
        parsed = _parsed(document)
        operation_type = parsed.operation_type(operation.operation_name) if parsed else None
        refusal = _operation_refusal(request, operation, parsed, operation_type)
        if refusal is not None:
            return refusal
        if not (request.method == "GET" and document.by_hash):
            return await self._cached(request, operation, operation_type, key)
        if not conditional.is_anonymous(request):
            response = await self._cached(request, operation, operation_type, key)
            conditional.mark_private(response)
            return response
        tag = await conditional.entity_tag(request, operation, document.digest)
        if conditional.matches(request, tag):
            return conditional.not_modified(tag)
        response = await self._cached(request, operation, operation_type, key)
        conditional.mark_public(response, tag)
        return response

    async def _cached(
        self,
        request: HttpRequest,
        operation: GraphQLRequest,
        operation_type: OperationType | None,
        key: str | None,
    ) -> HttpResponse:
        if key is not None and operation_type is OperationType.QUERY:
            return await response_cache.serve(key, lambda: self._execute(request, operation))
        return await self._execute(request, operation)

    async def _execute(self, request: HttpRequest, operation: GraphQLRequest) -> HttpResponse:
        """The caller's credentials, then strawberry's execution of the checked envelope."""
        try:
            # Resolve the caller once, here, so resolvers never touch a lazy user from
            # async code.
            request.user = await resolve_viewer(request)
        except AuthenticationFailed as failure:
            return unauthenticated_response(request, str(failure), failure.scheme)
        try:
            response = await self.execute_checked(request, operation)
        except StrawberryRefusal as refusal:
            return error_response(
                request, status=refusal.status, code="BAD_REQUEST", message=refusal.reason
            )
        outcome = getattr(request, "graphql_outcome", None)
        if outcome is not None:
            apply_outcome(request, response, outcome)
        return response

    async def process_result(
        self, request: HttpRequest, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        outcome = outcome_of(result.data, result.errors)
        if outcome.request_error:
            response.pop("data", None)
        request.graphql_outcome = outcome  # type: ignore[attr-defined]
        request.graphql_errors = bool(result.errors)  # type: ignore[attr-defined]
        return response

    async def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response, viewer=request.user, compiled_plans=True)

    def encode_json(self, data: object) -> str | bytes:
        # A compiled plan's answer is JSON text already: sent as strawberry would write it.
        if isinstance(data, dict) and len(data) == 1 and isinstance(data.get("data"), CompiledData):
            return '{"data":' + data["data"].text + "}"
        return super().encode_json(data)

    async def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        get_token(request)  # sets the csrftoken cookie GraphiQL sends back as a header
        return await super().render_graphql_ide(request)


def graphql_view(*, graphiql: bool) -> Any:
    # Django's own CSRF check is replaced by `csrf_rejection`, which spares bearer and
    # credential-less requests.
    return csrf_exempt(
        GraphQLView.as_view(
            schema=schema,
            graphql_ide="graphiql" if graphiql else None,
            # Safe only with the CSRF rule in graphql_api/http/csrf.py: a multipart request
            # must carry a bearer token or a valid CSRF token.
            multipart_uploads_enabled=True,
        )
    )

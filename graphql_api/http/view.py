"""The HTTP view serving the schema at /graphql/ (and GraphiQL to browsers).

Order of work for one request, cheapest refusals first: method, CSRF, the envelope
(graphql_api/http/envelope.py: size, media type, member types), the operation type for GET,
the anonymous response cache (one computation per answer), the caller's credentials, then
strawberry's execution with the operation gate (graphql_api/execution/gate.py). Status
codes and the media type follow GraphQL over HTTP (graphql_api/http/responses.py)."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLError, OperationType
from strawberry.django.views import AsyncGraphQLView
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from domain.accounts.authentication import AuthenticationFailed
from graphql_api.context import Context
from graphql_api.errors import ApiErrorCode
from graphql_api.execution.documents import ParsedDocument, documents
from graphql_api.http import response_cache
from graphql_api.http.authentication import resolve_viewer, unauthenticated_response
from graphql_api.http.csrf import csrf_rejection
from graphql_api.http.envelope import BadRequest, GraphQLRequest, read_envelope
from graphql_api.http.responses import apply_outcome, error_response, outcome_of
from graphql_api.schema import schema

ALLOWED_METHODS = ("GET", "POST")


def _parsed(operation: GraphQLRequest) -> ParsedDocument | None:
    try:
        return documents().get(operation.query)
    except GraphQLError:
        return None  # execution reports it


class GraphQLView(AsyncGraphQLView):
    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method not in ALLOWED_METHODS:
            return error_response(
                request,
                status=405,
                code=ApiErrorCode.BAD_REQUEST,
                message="Send GraphQL requests with GET (queries) or POST.",
                headers={"Allow": ", ".join(ALLOWED_METHODS)},
            )
        if self.graphql_ide and self.should_render_graphql_ide(self.request_adapter_class(request)):
            return await self.render_graphql_ide(request)
        rejection = csrf_rejection(request)
        if rejection is not None:
            return rejection
        try:
            operation = read_envelope(request, multipart_allowed=self.multipart_uploads_enabled)
        except BadRequest as refusal:
            return error_response(
                request, status=refusal.status, code=refusal.code, message=refusal.message
            )
        request.graphql_request = operation  # type: ignore[attr-defined]
        parsed = _parsed(operation)
        operation_type = parsed.operation_type(operation.operation_name) if parsed else None
        if request.method == "GET" and operation_type not in (None, OperationType.QUERY):
            return error_response(
                request,
                status=405,
                code=ApiErrorCode.BAD_REQUEST,
                message="Only queries may be sent with GET; send this operation with POST.",
                headers={"Allow": "POST"},
            )
        key = await response_cache.cache_key(request, operation, operation_type)
        if key is not None:
            return await response_cache.serve(key, lambda: self._execute(request))
        return await self._execute(request)

    async def _execute(self, request: HttpRequest) -> HttpResponse:
        """The caller's credentials, then strawberry's execution of the checked envelope."""
        try:
            # Resolve the caller once, here, so resolvers never touch a lazy user from
            # async code.
            request.user = await resolve_viewer(request)
        except AuthenticationFailed as failure:
            return unauthenticated_response(request, str(failure))
        try:
            response = await self.run(request=request)
        except HTTPException as refusal:
            return error_response(
                request, status=refusal.status_code, code="BAD_REQUEST", message=refusal.reason
            )
        outcome = getattr(request, "graphql_outcome", None)
        if outcome is not None:
            apply_outcome(request, response, outcome)
        return response

    async def parse_http_body(self, request_adapter: Any) -> GraphQLRequestData:
        """The envelope `dispatch` read and checked (graphql_api/http/envelope.py)."""
        operation: GraphQLRequest = request_adapter.request.graphql_request
        return GraphQLRequestData(
            query=operation.query,
            variables=operation.variables,
            operation_name=operation.operation_name,
            extensions=operation.extensions,
        )

    async def process_result(
        self, request: HttpRequest, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        outcome = outcome_of(result.data, result.errors)
        if outcome.request_error:
            response.pop("data", None)
        request.graphql_outcome = outcome  # type: ignore[attr-defined]
        return response

    async def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response, viewer=request.user)

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

"""strawberry's Django view, made to execute a request read and checked beforehand.

graphql_api/http/ reads the request once (the envelope: size, media type, member types,
then CSRF and the operation checks) and hands strawberry what it read, instead of letting
strawberry read the request again. Strawberry has no public seam for that, so its internal
ones are used here, behind `CheckedOperationView`, whose subclass (graphql_api/http/view.py)
uses only Django's `dispatch` and strawberry's documented hooks (`get_context`,
`process_result`, `render_graphql_ide`). Multipart uploads are placed where their `map`
says by strawberry's own helper, wrapped here as `place_uploads`.

Library internals relied on (checked with strawberry-graphql 0.341.2 and cross-web 0.9.0):
- `strawberry.django.views.AsyncGraphQLView.run`: strawberry's whole handling of a request
  (execution, then the response), called once the checks passed.
- `strawberry.django.views.AsyncGraphQLView.parse_http_body`: overridden to return the
  checked operation instead of reading the body again.
- `strawberry.django.views.AsyncGraphQLView.should_render_graphql_ide`: whether a request
  asks for GraphiQL. strawberry asks it again inside `run`, where a GET without a `query`
  parameter that accepts `*/*` or `text/html` (a persisted query by hash, from `fetch`
  or a browser) would be answered 404 with GraphiQL off: overridden to say no for a
  request already checked as a GraphQL request.
- `strawberry.django.views.AsyncGraphQLView.request_adapter_class`: the adapter strawberry
  wraps a Django request in.
- `strawberry.django.views.AsyncDjangoHTTPRequestAdapter.request` (instance attribute):
  the Django request under the adapter `parse_http_body` receives.
- `cross_web.HTTPException`: what strawberry raises for a request it refuses.
- `strawberry.file_uploads.utils.replace_placeholders_with_files`: puts a multipart
  request's files where its `map` says (the GraphQL multipart request spec).
"""

from __future__ import annotations

from typing import Any, Protocol

from cross_web import HTTPException
from django.http import HttpRequest, HttpResponse
from strawberry.django.views import AsyncGraphQLView
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.http import GraphQLRequestData

# The attribute of the Django request that holds the checked operation.
CHECKED_OPERATION = "graphql_request"
# GET parameters besides `query` that name a document (Apollo's persisted query, GraphQL
# over HTTP's `documentId`).
DOCUMENT_PARAMETERS = ("extensions", "documentId")


class CheckedOperation(Protocol):
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


class StrawberryRefusal(Exception):
    """strawberry refused the request (none reach it after our checks; answered as a
    GraphQL error rather than a 500 if one ever does)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def place_uploads(
    operations: dict[str, Any], files_map: dict[str, Any], files: Any
) -> dict[str, Any]:
    """`operations` with each file of `files` at the paths `files_map` gives it; raises
    KeyError, IndexError, TypeError, ValueError or AttributeError for a path not there."""
    return replace_placeholders_with_files(operations, files_map, files)


class CheckedOperationView(AsyncGraphQLView):
    """Executes the operation stored on the request under `CHECKED_OPERATION`."""

    def wants_graphql_ide(self, request: HttpRequest) -> bool:
        """Whether GraphiQL is on and `request` is a browser asking for it (not a GET that
        names its document by hash, which is a GraphQL request whatever it accepts)."""
        return (
            bool(self.graphql_ide)
            and not any(name in request.GET for name in DOCUMENT_PARAMETERS)
            and self.should_render_graphql_ide(self.request_adapter_class(request))
        )

    def should_render_graphql_ide(self, request_adapter: Any) -> bool:
        if hasattr(request_adapter.request, CHECKED_OPERATION):
            return False  # read and checked as a GraphQL request: not a page to render
        return super().should_render_graphql_ide(request_adapter)

    async def execute_checked(
        self, request: HttpRequest, operation: CheckedOperation
    ) -> HttpResponse:
        """strawberry's execution of `operation`, and its response; raises
        StrawberryRefusal when strawberry refuses the request."""
        setattr(request, CHECKED_OPERATION, operation)
        try:
            return await self.run(request=request)
        except HTTPException as refusal:
            raise StrawberryRefusal(refusal.status_code, refusal.reason) from None

    async def parse_http_body(self, request_adapter: Any) -> GraphQLRequestData:
        operation: CheckedOperation = getattr(request_adapter.request, CHECKED_OPERATION)
        return GraphQLRequestData(
            query=operation.query,
            variables=operation.variables,
            operation_name=operation.operation_name,
            extensions=operation.extensions,
        )

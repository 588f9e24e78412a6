"""The HTTP view serving the schema at /graphql/ (and GraphiQL to browsers)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import AsyncGraphQLView

from domain.accounts.authentication import AuthenticationFailed
from graphql_api.context import Context
from graphql_api.http import response_cache
from graphql_api.http.authentication import resolve_viewer, unauthenticated_response
from graphql_api.http.csrf import csrf_rejection
from graphql_api.http.input_sanity import unsafe_text_rejection
from graphql_api.schema import schema


class GraphQLView(AsyncGraphQLView):
    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        rejection = csrf_rejection(request) or unsafe_text_rejection(request)
        if rejection is not None:
            return rejection
        key = await response_cache.cache_key(request)
        if key is not None:
            return await response_cache.serve(key, lambda: self._run(request, *args, **kwargs))
        return await self._run(request, *args, **kwargs)

    async def _run(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            # Resolve the caller once, here, so resolvers never touch a lazy user from
            # async code.
            request.user = await resolve_viewer(request)
        except AuthenticationFailed as failure:
            return unauthenticated_response(str(failure))
        return await super().dispatch(request, *args, **kwargs)

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
            # Safe only with the CSRF rule in graphql_api/csrf.py: a multipart request must
            # carry a bearer token or a valid CSRF token.
            multipart_uploads_enabled=True,
        )
    )

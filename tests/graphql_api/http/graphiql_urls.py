"""The GraphQL view with GraphiQL on (settings.GRAPHIQL is read once, at URL import), for
tests that mark themselves `@pytest.mark.urls("tests.graphql_api.http.graphiql_urls")`."""

from django.urls import path

from graphql_api.http.view import graphql_view

urlpatterns = [path("graphql/", graphql_view(graphiql=True))]

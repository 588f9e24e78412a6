from django.apps import AppConfig


class GraphQLApiConfig(AppConfig):
    """Registered only for its management command (`export_schema`)."""

    name = "graphql_api"
    label = "graphql_api"
    verbose_name = "GraphQL API"

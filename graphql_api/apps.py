from django.apps import AppConfig


class GraphQLApiConfig(AppConfig):
    """Its management commands (`export_schema`, `load_documents`) and the trusted-document
    store (graphql_api/models.py)."""

    name = "graphql_api"
    label = "graphql_api"
    verbose_name = "GraphQL API"

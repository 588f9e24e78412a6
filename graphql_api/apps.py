from django.apps import AppConfig


class GraphQLApiConfig(AppConfig):
    """The API's Django app: its management commands (`export_schema`, `load_documents`),
    the trusted-document store (graphql_api/models.py), and the wiring of realtime to the
    domain that must hold however the process started (daphne, runserver, a test, a
    script): realtime's log poller reads the event log with the domain's reader.
    """

    name = "graphql_api"
    label = "graphql_api"
    verbose_name = "GraphQL API"

    def ready(self) -> None:
        from domain.events.publishing import event_messages_since
        from graphql_api.subscriptions.adapter import db_read
        from realtime import poller

        poller.use_log_reader(db_read(event_messages_since))

from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The outbox: a durable log of product and order changes, written by the services in
    the same transaction as the change."""

    name = "domain.events"
    label = "events"
    verbose_name = "Events"

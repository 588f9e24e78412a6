from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "domain.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from domain.events.signals import events_published
        from domain.webhooks.kick import webhook_deliveries_kick

        events_published.connect(webhook_deliveries_kick, dispatch_uid="webhook-deliveries-kick")

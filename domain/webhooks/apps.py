from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "domain.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

"""Webhooks in the API (integrations.graphql): the `Webhook` and `WebhookDelivery` nodes and
the staff mutations. Everything is decided in domain/webhooks."""

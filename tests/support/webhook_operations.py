"""The webhook operations of contract/operations/integrations.graphql, each as a document
of its own."""

from __future__ import annotations

from tests.support.graphql import operation_document

WEBHOOK_OPERATIONS = {
    name: operation_document("integrations", name)
    for name in ("WebhookCreate", "WebhookUpdate", "WebhookDelete", "WebhookDeliveries")
}
WEBHOOK_CREATE = WEBHOOK_OPERATIONS["WebhookCreate"]
WEBHOOK_UPDATE = WEBHOOK_OPERATIONS["WebhookUpdate"]
WEBHOOK_DELETE = WEBHOOK_OPERATIONS["WebhookDelete"]
WEBHOOK_DELIVERIES = WEBHOOK_OPERATIONS["WebhookDeliveries"]

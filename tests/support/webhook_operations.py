"""The webhook operations of integrations.graphql (../shared/operations-next/), word for word,
until the coordinator copies that file into contract/operations/ (its API-key operations
come with another branch). tests/contract/test_webhook_operations_text.py checks that each
is still in the document exactly as here."""

from __future__ import annotations

WEBHOOK_CREATE = """\
mutation WebhookCreate($input: WebhookCreateInput!) {
  webhookCreate(input: $input) {
    webhook {
      id
      url
      events
      isActive
      createdAt
    }
    secret
    errors {
      field
      message
      code
    }
  }
}
"""

WEBHOOK_UPDATE = """\
mutation WebhookUpdate($id: ID!, $input: WebhookUpdateInput!) {
  webhookUpdate(id: $id, input: $input) {
    webhook {
      id
      url
      events
      isActive
    }
    errors {
      field
      message
      code
    }
  }
}
"""

WEBHOOK_DELETE = """\
mutation WebhookDelete($id: ID!) {
  webhookDelete(id: $id) {
    deletedId
    errors {
      field
      message
      code
    }
  }
}
"""

WEBHOOK_DELIVERIES = """\
query WebhookDeliveries($id: ID!, $first: Int = 20) {
  node(id: $id) {
    ... on Webhook {
      id
      url
      deliveries(first: $first) {
        edges {
          node {
            id
            eventId
            eventType
            attempt
            statusCode
            succeeded
            durationMs
            createdAt
          }
        }
      }
    }
  }
}
"""

WEBHOOK_OPERATIONS = {
    "WebhookCreate": WEBHOOK_CREATE,
    "WebhookUpdate": WEBHOOK_UPDATE,
    "WebhookDelete": WEBHOOK_DELETE,
    "WebhookDeliveries": WEBHOOK_DELIVERIES,
}

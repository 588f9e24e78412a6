"""The API-key operations of contract/operations/integrations.graphql (ApiKeyCreate,
ApiKeyRevoke, ApiKeys), as one document run with an `operationName`."""

from __future__ import annotations

from tests.support.graphql import contract_document

API_KEY_OPERATIONS = contract_document("integrations")

"""The API-key operations of `../shared/operations-next/integrations.graphql`, verbatim
(ApiKeyCreate, ApiKeyRevoke, ApiKeys). Until that file is copied into
`contract/operations/` (with its webhook operations, built apart), tests of API keys run
this text; once it is there they may read it from the contract instead."""

from __future__ import annotations

API_KEY_OPERATIONS = """\
mutation ApiKeyCreate($input: ApiKeyCreateInput!) {
  apiKeyCreate(input: $input) {
    apiKey {
      id
      name
      prefix
      scopes
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

mutation ApiKeyRevoke($id: ID!) {
  apiKeyRevoke(id: $id) {
    apiKey {
      id
      revokedAt
    }
    errors {
      field
      message
      code
    }
  }
}

query ApiKeys($first: Int = 50, $after: String) {
  apiKeys(first: $first, after: $after) {
    edges {
      node {
        id
        name
        prefix
        scopes
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
}
"""

"""Persisted and trusted documents: Apollo's automatic persisted queries, the GraphQL over
HTTP `documentId`, the trusted-document store and the GRAPHQL_DOCUMENTS mode.

store.py keeps the documents (trusted: the contract's and the manifests' rows, in a
process snapshot; APQ registrations: in the cache, bounded); resolution.py turns a
request's `query`, `extensions.persistedQuery` and `documentId` into the text to run, or a
refusal with its code, before anything is parsed. Both transports (graphql_api/http/view.py,
graphql_api/execution/ws_protocol.py) call `resolve` first."""

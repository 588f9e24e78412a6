"""The HTTP transport of /graphql/: the view, the request envelope, CSRF, authentication of
the caller, the anonymous response cache, and GraphQL-over-HTTP status codes."""

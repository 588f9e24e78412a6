"""The WebSocket transport of /graphql/: the Channels consumer for graphql-transport-ws and
the legacy graphql-ws protocol, and how a connection's caller is authenticated."""

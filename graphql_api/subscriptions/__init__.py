"""Subscriptions' GraphQL side: opaque resume cursors, and the adapter between realtime's
streams and a GraphQL subscription (close codes, `ApiError`, a fresh loader scope per
event)."""

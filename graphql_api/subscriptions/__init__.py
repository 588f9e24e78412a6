"""Subscriptions' GraphQL side, over realtime's streams: opaque resume cursors
(`cursors.py`, `ApiError` for bad ones) and the thin adapter between a realtime stream and
a GraphQL subscription (`adapter.py`: realtime's exceptions to close codes and `ApiError`,
a fresh loader scope per event, database reads in the database thread). The stream itself
(listen, replay, live, poller, single-flight reads) is realtime's."""

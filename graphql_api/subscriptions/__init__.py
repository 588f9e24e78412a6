"""Subscriptions' GraphQL side, over realtime's streams: opaque resume cursors
(`cursors.py`, `ApiError` for bad ones) and the thin adapter between a realtime stream and
a GraphQL subscription (`adapter.py`: realtime's exceptions to close codes and `ApiError`,
a fresh loader scope per event, database reads in the database thread), and which fields
of the schema may answer differently for two viewers of a class (`viewer_fields.py`, the
one declaration the shared execution of events decides by). The stream itself
(listen, replay, live, poller, single-flight reads) is realtime's."""

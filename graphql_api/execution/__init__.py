"""Machinery every operation goes through, whatever its transport: the document cache,
limits and cost, the per-client cost budget, page rules, the optimizer's set-up, direct
resolvers for plain fields, the loader scope, one shared execution per subscription event,
the error codes and the extension that gives every error one, and the seams where the
transports meet strawberry (the HTTP view's base, the legacy WebSocket protocol handler).

The private names of strawberry, strawberry-django and graphql-core that the project relies
on are used only here (core_schema.py is the one access to the graphql-core schema); each
module lists its own at the top, in the block tests/test_library_internals.py checks."""

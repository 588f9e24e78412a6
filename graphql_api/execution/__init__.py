"""Machinery every operation goes through, whatever its transport: the document cache,
limits and cost, the per-client cost budget, page rules, the optimizer's set-up, direct
resolvers for plain fields, the loader scope, one shared execution per subscription event,
and the schema class that gives every error a code.

The private names of strawberry, strawberry-django and graphql-core that the project relies
on are used only here; each module lists its own at the top."""

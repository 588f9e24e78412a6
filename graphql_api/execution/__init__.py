"""Machinery every operation goes through, whatever its transport: the document cache,
limits and cost, and the per-client cost budget."""

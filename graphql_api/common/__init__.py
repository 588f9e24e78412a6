"""The vocabulary every domain package of the API shares: GraphQL errors with codes, mutation
payload errors, global IDs and `node`, enums made from the domain's choices, and how the
domain's access rules become GraphQL errors."""

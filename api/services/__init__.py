"""Domain rules, one module per domain.  No GraphQL here: resolvers call these."""

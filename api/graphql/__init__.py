"""The GraphQL API: types, loaders, permissions and the root schema."""

"""The GraphQL layer: thin resolvers that validate, authorize and call domain code."""

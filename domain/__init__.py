"""Domain operations shared by GraphQL resolvers and Dramatiq actors."""

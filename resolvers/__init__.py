"""The GraphQL resolvers: they take `Info`, decode ids, call one use case or query, and shape
its result (or its coded errors) for the schema. DataLoaders live here too."""

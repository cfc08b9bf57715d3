"""The HTTP edge beside `server.py`: GraphQL over HTTP, bearer tokens, rate limits, GraphiQL."""

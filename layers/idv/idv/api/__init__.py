"""API Gateway plumbing every route shares: the handler recipe, the resolver and its error
envelope, request inputs and JSON responses."""

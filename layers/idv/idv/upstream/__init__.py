"""How a request to an upstream travels: one keep-alive session, timeouts, the deadline."""

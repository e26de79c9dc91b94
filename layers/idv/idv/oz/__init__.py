"""Oz API: the client (the only place that calls Oz), its answers, decisions, service token."""

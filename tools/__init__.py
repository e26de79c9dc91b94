"""Operator tooling, run on an operator's machine (never in Lambda): issuing the first Oz
service token (``python -m tools.bootstrap``, ``make bootstrap``)."""

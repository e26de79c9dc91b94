"""Shared layer of the Oz liveness back end: the Oz client and what the functions have in common.

Where things are:
- ``oz_api``: the only module that knows Oz's URLs, headers and error shapes.
- ``folders`` / ``best_shot`` / ``decisions``: Oz's answer as typed objects, and the decision rule.
- ``service_tokens``: the Oz service token from Secrets Manager, bridging rotation.
- ``receipts`` / ``session_tokens``: the receipt JWT and Oz session-token metadata.
- ``liveness`` / ``biometry`` / ``session_token`` / ``health``: one use case per API route.
- ``http_api``: API Gateway plumbing shared by the handlers (error envelope, binary bodies).
"""

__version__ = "0.1.0"

"""Shared layer of the Oz liveness back end: the Oz client and what the functions have in common.

Where things are:
- ``oz_api``: the only module that knows Oz's URLs, headers and error shapes.
- ``folders`` / ``best_shot`` / ``decisions``: Oz's answer as typed objects, and the decision rule.
- ``service_tokens``: the Oz service token from Secrets Manager, bridging rotation.
- ``rotation``: the four Secrets Manager rotation steps of that token (docs/ROTATION.md).
- ``bootstrap`` (CLI) / ``provisioning`` / ``service_accounts``: issuing the first token.
- ``receipts`` / ``session_tokens``: the receipt JWT and Oz session-token metadata.
- ``liveness`` / ``biometry`` / ``session_token`` / ``health``: one use case per API route.
- ``http_api``: API Gateway plumbing shared by the handlers (error envelope, binary bodies).
- ``datazoo_api``: the only module that knows Data Zoo's URLs, headers and field names;
  ``datazoo_results`` / ``kyc_outcomes``: its answer as typed objects, and the outcome rule;
  ``identity_verification``: the identity-verify use case; ``datazoo_tokens`` /
  ``datazoo_rotation``: its session token and that token's rotation (docs/DATAZOO.md).
- ``http_transport`` / ``secret_tokens`` / ``secret_rotation``: what the Oz and Data Zoo parts
  share (one session and the one retry; re-reading a rejected token; the rotation protocol).
"""

__version__ = "0.1.0"

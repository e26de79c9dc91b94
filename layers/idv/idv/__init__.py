"""Identity verification on AWS Lambda: Oz liveness and face matching, Data Zoo data checks.

``oz/`` and ``datazoo/`` are the clients of the two upstreams (each the only place that knows
its URLs, headers and answers); ``usecases/`` what each API route does with them; ``api/`` the
API Gateway plumbing every route shares; ``upstream/`` how a request travels; ``aws/`` Secrets
Manager reads and the rotation protocol.
"""

__version__ = "0.1.0"

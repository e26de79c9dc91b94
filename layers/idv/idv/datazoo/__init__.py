"""Data Zoo KYC Data API: the client (the only place that calls Data Zoo), its answers and
outcomes, its session token."""

"""Liveness receipts: the signed proof a front end hands its server (``tokens``), the keys that
sign it (``keys``), its single use and its best shot kept in the verification store (``store``),
and the signing key's rotation (``rotation``)."""

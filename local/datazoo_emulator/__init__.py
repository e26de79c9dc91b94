"""A Data Zoo KYC Data API (IDU v2) emulator: sign-in, verify, expiring tokens, faults.

Built on the Oz emulator's generic pieces (``oz_emulator``: fault registry and answers, request
log, clock, loopback server, control surface). Not part of the Lambda layer: nothing in
``layers/`` imports it.
"""

from datazoo_emulator.options import (
    BASE_PATH,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    TOKEN_TTL_SECONDS,
    DataZooOptions,
)
from datazoo_emulator.server import DataZooEmulator

__all__ = [
    "BASE_PATH",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "TOKEN_TTL_SECONDS",
    "DataZooEmulator",
    "DataZooOptions",
]

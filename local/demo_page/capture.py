"""What the Oz Web SDK stand-in captures: a container minted with the Oz emulator's own code.

A real Web SDK films the person in front of the camera and packs the capture into an encrypted
OzCapsula for the session token it was opened with. The stand-in has no camera: the page picks
a scenario (who is in front of it), and this module mints the emulator container Oz would judge
that way, for the same session token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from oz_emulator import make_capsule

# Who the stand-in "films". The customer server's reference photo of the same person matches.
CAPTURED_PERSON = "alice"
# About what a short passive-liveness capture weighs; "large" is well above the direct route's
# 4.4 MiB limit (README, Limits), so a front end must take the upload route for it.
CAPTURE_BYTES = 512 * 1024
LARGE_CAPTURE_BYTES = 12 * 1024 * 1024


@dataclass(frozen=True)
class Scenario:
    """One choice of the page's scenario select."""

    name: str
    emulator_scenario: str  # the container's scenario, as the Oz emulator reads it
    size: int
    damaged: bool = False


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("live", "success", CAPTURE_BYTES),
        Scenario("spoof", "declined", CAPTURE_BYTES),
        Scenario("failed", "failed", CAPTURE_BYTES),
        Scenario("damaged", "success", CAPTURE_BYTES, damaged=True),
        Scenario("large", "success", LARGE_CAPTURE_BYTES),
    )
}


@dataclass(frozen=True)
class Capture:
    container: bytes
    event_session_id: str


def capture(session_token: str, scenario_name: str) -> Capture:
    """Mint the container the stand-in delivers for ``scenario_name``.

    Raises:
        KeyError: an unknown scenario.
    """
    scenario = SCENARIOS[scenario_name]
    event_session_id = str(uuid.uuid4())
    container = make_capsule(
        session_token,
        scenario=scenario.emulator_scenario,
        person=CAPTURED_PERSON,
        event_session_id=event_session_id,
        size=scenario.size,
    )
    if scenario.damaged:
        # One byte flipped in transit: the checksum no longer matches, as with a truncated or
        # corrupted upload, and Oz refuses the container.
        middle = len(container) // 2
        container = container[:middle] + bytes([container[middle] ^ 0xFF]) + container[middle + 1 :]
    return Capture(container, event_session_id)

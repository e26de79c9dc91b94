"""A faithful Oz API 6 (and 5) emulator for running and testing without an Oz server.

Not part of the Lambda layer: nothing in ``layers/`` imports it.
"""

from oz_emulator.capsule import make_capsule
from oz_emulator.faces import make_face_jpeg, make_face_png, person_in
from oz_emulator.options import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, EmulatorOptions
from oz_emulator.server import OzEmulator

__all__ = [
    "DEFAULT_ADMIN_EMAIL",
    "DEFAULT_ADMIN_PASSWORD",
    "EmulatorOptions",
    "OzEmulator",
    "make_capsule",
    "make_face_jpeg",
    "make_face_png",
    "person_in",
]

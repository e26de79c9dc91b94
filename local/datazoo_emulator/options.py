"""Emulator settings, with Data Zoo's documented defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_USERNAME = "datazoo-emulator"
DEFAULT_PASSWORD = "datazoo-emulator-password"  # noqa: S105 - documented emulator default
USERNAME_ENV = "DATAZOO_EMULATOR_USERNAME"
PASSWORD_ENV = "DATAZOO_EMULATOR_PASSWORD"  # noqa: S105 - a variable name

TOKEN_TTL_SECONDS = 8 * 3600.0  # "a session token is valid for 8 hours"
BASE_PATH = "/api/v2"  # as on idu.datazoo.com and idu-test.datazoo.com
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DataZooOptions:
    """Everything that changes how the emulator answers."""

    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    token_ttl: float = TOKEN_TTL_SECONDS
    max_body_bytes: int = MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if not self.username or not self.password:
            raise ValueError("username and password must not be empty")
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be positive")

    def public(self) -> dict[str, Any]:
        """The settings without the password."""
        values = asdict(self)
        values.pop("password")
        return values

"""Emulator settings, with Oz's documented defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_ADMIN_EMAIL = "admin@oz.local"
DEFAULT_ADMIN_PASSWORD = "oz-emulator-admin"  # noqa: S105 - documented emulator default
ADMIN_PASSWORD_ENV = "OZ_EMULATOR_ADMIN_PASSWORD"  # noqa: S105 - a variable name
ADMIN_EMAIL_ENV = "OZ_EMULATOR_ADMIN_EMAIL"

SESSION_TTL_SECONDS = 15 * 60.0  # OZ_SESSION_TTL
LONGLIVE_TTL_SECONDS = 5 * 365 * 24 * 3600.0  # OZ_SESSION_LONGLIVE_TTL (service accounts)
SESSION_TOKEN_TTL_SECONDS = 900.0  # capsule session token (seed 003)
# Oz's upload limits: 10 files, 10 MiB each; a container size limit is UNKNOWN.
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024

API_VERSIONS = {5: "5.3.1", 6: "6.6.1"}


@dataclass(frozen=True, slots=True)
class EmulatorOptions:
    """Everything that changes how the emulator answers."""

    require_auth: bool = True
    api_version: int = 6
    admin_email: str = DEFAULT_ADMIN_EMAIL
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    session_ttl: float = SESSION_TTL_SECONDS
    service_token_ttl: float = LONGLIVE_TTL_SECONDS
    session_token_ttl: float = SESSION_TOKEN_TTL_SECONDS
    # Seconds an Instant analysis "takes"; real Oz needs about 3 s.
    analysis_delay: float = 0.0
    max_body_bytes: int = MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if self.api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be one of {sorted(API_VERSIONS)}")
        if not self.admin_email or not self.admin_password:
            raise ValueError("admin_email and admin_password must not be empty")
        for name in ("session_ttl", "service_token_ttl", "session_token_ttl", "analysis_delay"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be positive")

    @property
    def oz_version(self) -> str:
        return API_VERSIONS[self.api_version]

    def public(self) -> dict[str, Any]:
        """The settings without the admin password."""
        values = asdict(self)
        values.pop("admin_password")
        return values

"""Companies, users and token pairs as the emulator holds and answers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PERMISSION_KINDS = ("biometry", "collection", "documents", "quality")
ADMIN = "ADMIN"
CLIENT = "CLIENT"
CLIENT_SERVICE = "CLIENT_SERVICE"


@dataclass(slots=True)
class Company:
    company_id: str
    name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "company_id": self.company_id,
            "name": self.name,
            "in_deletion": False,
            "technical_meta_data": {},
        }


@dataclass(slots=True)
class User:
    user_id: str
    email: str
    password_sha256: bytes = field(repr=False)
    user_type: str
    is_service: bool
    company_id: str
    permissions: dict[str, bool]
    first_name: str = ""
    last_name: str = ""
    created_at: float = 0.0

    @property
    def is_admin(self) -> bool:
        return self.user_type == ADMIN

    def may(self, kind: str) -> bool:
        return self.is_admin or self.permissions.get(kind, False)

    def to_json(self, api_version: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "user_id": self.user_id,
            "user_type": self.user_type,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "middle_name": None,
            "company_id": self.company_id,
            "is_active": True,
            "is_service": self.is_service,
            "is_admin": self.is_admin,
            "created_at": self.created_at,
        }
        prefixes = ["can_start_analyse_"]
        if api_version >= 6:
            prefixes.append("can_start_analysis_")
        for prefix in prefixes:
            for kind in PERMISSION_KINDS:
                body[prefix + kind] = self.may(kind)
        return body


@dataclass(slots=True)
class Session:
    """One access/expire token pair."""

    session_id: str
    user_id: str
    access_token: str = field(repr=False)
    expire_token: str = field(repr=False)
    ttl: float
    expires_at: float
    # The pair this one was refreshed from; deleted at this pair's first use.
    predecessor: str | None = None
    token_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "expire_token": self.expire_token,
            "expire_date": self.expires_at,
            "session_id": self.session_id,
            "user_id": self.user_id,
        }

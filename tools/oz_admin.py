"""The Oz admin calls only an operator makes: create a company or a service user, issue a
service token. They run from the bootstrap command, never in Lambda, so they are not in the layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from idv.oz.client import OzApi, User, optional_float, optional_str, read_user, required_str

# Least privilege: the analyses the product starts, liveness (quality) and face matching
# (biometry). Oz's other analysis kinds (collection, documents) are never granted.
SERVICE_USER_PERMISSIONS = ("biometry", "quality")


@dataclass(frozen=True, slots=True)
class ServiceTokenGrant:
    """A service user's long-lived token (``/api/authorize/service_token``)."""

    access_token: str = field(repr=False)
    expire_token: str | None = field(repr=False)
    expire_date: float | None
    user_id: str | None
    session_id: str | None


@dataclass(frozen=True, slots=True)
class Company:
    company_id: str
    name: str


class OzAdmin(OzApi):
    """Oz API with the calls an operator needs to issue the first service token."""

    def create_company(self, name: str, *, access_token: str | None) -> Company:
        body = self._call("POST", "/api/companies/", access_token, json={"name": name})
        return Company(company_id=required_str(body, "company_id"), name=str(body.get("name")))

    def create_user(
        self,
        email: str,
        password: str,
        *,
        api_version: int,
        access_token: str | None,
        company_id: str | None = None,
        first_name: str = "Service",
        last_name: str = "Account",
    ) -> User:
        """Create a service user: API 6 ``CLIENT_SERVICE``; API 5 ``CLIENT`` + ``is_service``."""
        # API 6 examples spell the permission flags can_start_analysis_*, API 5 can_start_analyse_*.
        prefix = "can_start_analysis_" if api_version >= 6 else "can_start_analyse_"
        profile: dict[str, Any] = {
            "first_name": first_name,
            "last_name": last_name,
            **{prefix + kind: True for kind in SERVICE_USER_PERMISSIONS},
        }
        if api_version >= 6:
            profile["user_type"] = "CLIENT_SERVICE"
        else:
            profile.update(user_type="CLIENT", is_service=True)
        if company_id:
            profile["company_id"] = company_id
        body = self._call(
            "POST",
            "/api/users/",
            access_token,
            json={"credentials": {"email": email, "password": password}, "profile": profile},
        )
        return read_user(body)

    def issue_service_token(
        self,
        user_id: str | None,
        *,
        api_version: int,
        access_token: str | None,
        method: str = "GET",
    ) -> ServiceTokenGrant:
        """Issue a service user's token: API 6 path with the user id, API 5 path without.

        The docs show no HTTP method (their curl example implies GET), hence ``method``.
        """
        if api_version >= 6:
            if not user_id:
                raise ValueError("API 6 issues service tokens per user_id")
            path = f"/api/authorize/service_token/{user_id}"
        else:
            path = "/api/authorize/service_token"
        body = self._call(method, path, access_token)
        return ServiceTokenGrant(
            access_token=required_str(body, "access_token"),
            expire_token=optional_str(body, "expire_token"),
            expire_date=optional_float(body, "expire_date"),
            user_id=optional_str(body, "user_id"),
            session_id=optional_str(body, "session_id"),
        )

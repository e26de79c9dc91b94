"""A small Oz client for talking to an emulator over real HTTP, as a client of Oz would."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from oz_emulator import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, OzEmulator

TOKEN_HEADER = "X-Forensic-Access-Token"
OCTET_STREAM = {"Content-Type": "application/octet-stream"}
StartEmulator = Callable[..., OzEmulator]


class Oz:
    """Plain HTTP calls against one emulator, as a client of Oz would make them."""

    def __init__(self, emulator: OzEmulator) -> None:
        self.emulator = emulator
        self.url = emulator.url
        self.http = requests.Session()

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers[TOKEN_HEADER] = token
        return self.http.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def sign_in(
        self, email: str = DEFAULT_ADMIN_EMAIL, password: str = DEFAULT_ADMIN_PASSWORD
    ) -> dict[str, Any]:
        response = self.call(
            "POST",
            "/api/authorize/auth/",
            json={"credentials": {"email": email, "password": password}},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def admin_token(self) -> str:
        return str(self.sign_in()["access_token"])

    def create_user(
        self,
        admin: str | None,
        email: str,
        profile: dict[str, Any],
        password: str = "pw-123456",
    ) -> requests.Response:
        body = {"credentials": {"email": email, "password": password}, "profile": profile}
        return self.call("POST", "/api/users/", admin, json=body)

    def service_user(self, admin: str, email: str = "svc@example.com") -> dict[str, Any]:
        """A service user with every analysis permission, in the emulator's API version."""
        if self.emulator.options.api_version >= 6:
            profile: dict[str, Any] = {"user_type": "CLIENT_SERVICE"}
            prefix = "can_start_analysis_"
        else:
            profile = {"user_type": "CLIENT", "is_service": True}
            prefix = "can_start_analyse_"
        for kind in ("biometry", "collection", "documents", "quality"):
            profile[prefix + kind] = True
        response = self.create_user(admin, email, profile)
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    def session_token(self, token: str | None) -> str:
        response = self.call("GET", "/api/authorize/session_token", token)
        assert response.status_code == 200, response.text
        return str(response.json()["session_token"])

    def post_capsule(
        self,
        capsule: bytes,
        token: str | None,
        content_type: str | None = "application/octet-stream",
    ) -> requests.Response:
        headers = {"Content-Type": content_type} if content_type is not None else {}
        return self.call("POST", "/api/instant/folders/", token, data=capsule, headers=headers)

    def post_biometry(
        self,
        token: str | None,
        images: dict[str, bytes],
        tags: dict[str, Any],
        *,
        analyses: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> requests.Response:
        payload = {
            "media:tags": tags,
            "analyses": analyses if analyses is not None else [{"type": "biometry"}],
            **(extra or {}),
        }
        files: dict[str, Any] = {name: (name, data, "image/jpeg") for name, data in images.items()}
        files["payload"] = (None, json.dumps(payload), "application/json")
        return self.call("POST", "/api/instant/folders/", token, files=files)


def assert_oz_error(response: requests.Response, status: int, code: int) -> dict[str, Any]:
    """The response is an Oz error with this HTTP status and error_code."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error_code", "error_message", "details"}
    assert body["error_code"] == code
    assert isinstance(body["error_message"], str)
    assert body["error_message"]
    return body


def json_of(response: requests.Response) -> Any:
    return json.loads(response.content)

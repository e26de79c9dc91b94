"""Raw HTTP to a Data Zoo emulator, the way Data Zoo's own examples call it."""

from __future__ import annotations

from typing import Any

import requests

from datazoo_emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, DataZooEmulator

SIGN_IN, VERIFY = "/api/v2/auth/sign_in", "/api/v2/verify"
SERVICES = ["Australia Residential", "Australia Credit Bureau"]


class DataZoo:
    """Raw HTTP to one emulator, the way Data Zoo's own examples call it."""

    def __init__(self, emulator: DataZooEmulator) -> None:
        self.emulator = emulator
        self.http = requests.Session()

    def post(self, path: str, body: Any = None, token: str | None = None, **kwargs: Any):
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        if token is not None:
            headers["Authorization"] = token
        return self.http.post(
            self.emulator.url + path, json=body, headers=headers, timeout=10, **kwargs
        )

    def sign_in(self, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD):
        return self.post(SIGN_IN, {"data": {"username": username, "password": password}})

    def token(self) -> str:
        response = self.sign_in()
        assert response.status_code == 200, response.text
        return str(response.json()["sessionToken"])

    def verify(self, token: str | None, **changes: Any):
        return self.post(VERIFY, person(**changes), token)


def person(**changes: Any) -> dict[str, Any]:
    return {
        "countryCode": "AU",
        "service": SERVICES,
        "clientReference": "client-1",
        "firstName": "John",
        "lastName": "Smith",
        "dateOfBirth": "1980-01-31",
        "consentObtained": dict.fromkeys(SERVICES, True),
        **changes,
    }


def assert_error(response: requests.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": message}

"""The Oz API client: the only module that knows Oz's URLs, headers and error shapes.

Every method takes the access token explicitly (``None`` sends no token, for Instant deployments
without Oz auth); ``oz.calls.OzCalls`` attaches the service token the use cases need. The admin
calls only an operator makes (create a company or a service user, issue a service token) are in
``tools/oz_admin.py``, outside the layer. Facts about Oz: docs/reference/oz-api.md.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from idv.errors import (
    ContainerRejected,
    InvalidContainer,
    OzAuthRejected,
    UpstreamError,
    UpstreamRequestRefused,
    UpstreamUnavailable,
)
from idv.oz.folders import Folder
from idv.upstream.bodies import SizedBody
from idv.upstream.transport import Answer, UpstreamClient, is_redirect, json_body, retry_after

TOKEN_HEADER = "X-Forensic-Access-Token"  # noqa: S105 - a header name
AUTH_ERROR_CODES = frozenset({6, 7, 8, 9})
INVALID_CONTAINER_CODES = frozenset({3, 4, 5, 13})
CONTAINER_REJECTED_CODE = 14


@dataclass(frozen=True, slots=True)
class AuthTokens:
    """An Oz access/expire token pair (``/api/authorize/auth/`` or ``/refresh/``)."""

    access_token: str = field(repr=False)
    expire_token: str = field(repr=False)
    expire_date: float | None
    user_id: str | None
    session_id: str | None


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    user_type: str | None
    is_service: bool
    is_active: bool
    email: str | None


class OzApi(UpstreamClient):
    """Calls Oz API over one keep-alive ``requests.Session``."""

    upstream = "Oz API"
    # The largest answer read (the transport drops a longer one: UPSTREAM_ERROR). A folder
    # carries the liveness best shot as base64 text (docs/reference/oz-api.md, Best shot): the
    # relay can hand at most a 6 MB Lambda answer back, so a best shot of up to about 6 MB of
    # base64 is the most that could be of use; 2 MiB more leaves room for the other output
    # images and the folder's fields. Every other Oz answer is a few KB.
    max_answer_bytes = 8 * 1024 * 1024

    # --- the service token: sign-in, refresh, proving it -------------------------------------

    def authorize(self, email: str, password: str) -> AuthTokens:
        """Sign in with credentials (``POST /api/authorize/auth/``)."""
        body = self._call(
            "POST",
            "/api/authorize/auth/",
            None,
            json={"credentials": {"email": email, "password": password}},
        )
        return _auth_tokens(body)

    def refresh(self, access_token: str, expire_token: str) -> AuthTokens:
        """Get a new token pair; Oz deletes the old pair at the first use of the new one."""
        body = self._call(
            "POST", "/api/authorize/refresh/", access_token, json={"expire_token": expire_token}
        )
        return _auth_tokens(body)

    def get_user(self, user_id: str, *, access_token: str | None) -> User:
        """Read one user: a cheap authenticated call that proves a token works."""
        return read_user(self._call("GET", f"/api/users/{user_id}", access_token))

    def version(self) -> Mapping[str, Any]:
        """Oz's version document: a reachability check that needs no token."""
        return self._call("GET", "/api/version", None)

    # --- the calls a capture makes ----------------------------------------------------------

    def get_session_token(self, *, access_token: str | None) -> str:
        """A fresh session token for one OzCapsula capture; never cached or reused."""
        body = self._call(
            "GET",
            "/api/authorize/session_token",
            access_token,
            headers={"Content-Type": "application/json"},
        )
        return required_str(body, "session_token")

    def analyze_capsule(self, capsule: bytes | SizedBody, *, access_token: str | None) -> Folder:
        """Forward an OzCapsula container byte for byte to the Instant endpoint.

        ``capsule`` is the container's bytes, or a ``SizedBody`` streamed from where it was
        uploaded: sent with its ``Content-Length`` in chunks, never held whole.

        Raises:
            InvalidContainer: Oz 400 with error_code 3, 4, 5 or 13.
            ContainerRejected: Oz 400 with error_code 14.
        """
        try:
            body = self._call(
                "POST",
                "/api/instant/folders/",
                access_token,
                data=capsule,
                headers={"Content-Type": "application/octet-stream"},
                expected=(200, 201),
            )
        except UpstreamRequestRefused as error:
            if error.oz_error_code == CONTAINER_REJECTED_CODE:
                raise ContainerRejected(
                    "Oz rejected the container (signature, hash or session token); "
                    "capture again with a new session token",
                    oz_error_code=error.oz_error_code,
                ) from None
            if error.oz_error_code in INVALID_CONTAINER_CODES:
                raise InvalidContainer(
                    "Oz could not read the container", oz_error_code=error.oz_error_code
                ) from None
            raise
        return Folder.from_json(body)

    def match_faces(
        self, best_shot: bytes, reference: bytes, *, access_token: str | None
    ) -> Folder:
        """Face-match two images with one multipart Instant request (``analyses: biometry``)."""
        selfie = "best_shot" + _extension(best_shot)
        document = "reference" + _extension(reference)
        payload = {
            "media:tags": {selfie: ["photo_selfie"], document: ["photo_id", "photo_id_front"]},
            "analyses": [{"type": "biometry"}],
        }
        # Oz requires each part's name to equal its file name.
        files = {
            selfie: (selfie, best_shot, _content_type(selfie)),
            document: (document, reference, _content_type(document)),
            "payload": (None, json.dumps(payload), "application/json"),
        }
        body = self._call(
            "POST", "/api/instant/folders/", access_token, files=files, expected=(200, 201)
        )
        return Folder.from_json(body)

    # --- transport --------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        access_token: str | None,
        *,
        expected: tuple[int, ...] = (200, 201),
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        request_headers = {"Accept": "application/json", **(headers or {})}
        if access_token:
            request_headers[TOKEN_HEADER] = access_token
        answer = self.transport.send(
            method, self.base_url + path, headers=request_headers, **kwargs
        )
        return _read(answer, expected)


def _read(answer: Answer, expected: tuple[int, ...]) -> dict[str, Any]:
    status = answer.status
    if is_redirect(status):
        # Never followed (upstream.transport): whatever it says, not an answer we can use.
        raise UpstreamError(f"Oz API answered {status}, a redirect, which is not followed")
    body = json_body(answer)
    if status in expected:
        if not isinstance(body, dict):
            raise UpstreamError(f"Oz API answered {status} with a body that is not a JSON object")
        return body
    oz_code = _error_code(body)
    if status in (401, 403) or (status < 500 and oz_code in AUTH_ERROR_CODES):
        raise OzAuthRejected("Oz API rejected the service token", oz_error_code=oz_code)
    if status == 503:
        raise UpstreamUnavailable(
            "Oz API is unavailable", oz_error_code=oz_code, retry_after=retry_after(answer)
        )
    if 400 <= status < 500:
        raise UpstreamRequestRefused(
            f"Oz API refused the request ({status})", oz_error_code=oz_code
        )
    raise UpstreamError(f"Oz API answered {status}", oz_error_code=oz_code)


def _error_code(body: object) -> int | None:
    if isinstance(body, dict):
        code = body.get("error_code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    return None


def _extension(image: bytes) -> str:
    return ".png" if image.startswith(b"\x89PNG\r\n\x1a\n") else ".jpg"


def _content_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _auth_tokens(body: Mapping[str, Any]) -> AuthTokens:
    return AuthTokens(
        access_token=required_str(body, "access_token"),
        expire_token=required_str(body, "expire_token"),
        expire_date=optional_float(body, "expire_date"),
        user_id=optional_str(body, "user_id"),
        session_id=optional_str(body, "session_id"),
    )


def read_user(body: Mapping[str, Any]) -> User:
    return User(
        user_id=required_str(body, "user_id"),
        user_type=optional_str(body, "user_type"),
        is_service=bool(body.get("is_service")) or body.get("user_type") == "CLIENT_SERVICE",
        is_active=bool(body.get("is_active", True)),
        email=optional_str(body, "email"),
    )


def required_str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise UpstreamError(f"Oz API answer lacks {key}")
    return value


def optional_str(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    return str(value)


def optional_float(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None

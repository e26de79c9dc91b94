"""The Data Zoo KYC Data API client: the only module that knows Data Zoo's URLs, headers, field
names and error shapes (docs/reference/datazoo-api.md).

A session token comes from a sign-in with the account's username and password; its value already
starts with ``Bearer `` and is sent verbatim as ``Authorization``. ``datazoo_tokens`` decides
which token a call uses; ``datazoo_rotation`` is the only caller of ``sign_in``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from idv.datazoo.results import VerifyResult
from idv.errors import (
    DataZooAuthRejected,
    UpstreamError,
    UpstreamRequestRefused,
    UpstreamUnavailable,
)
from idv.upstream.transport import Answer, UpstreamClient, is_redirect, json_body, retry_after

SIGN_IN_PATH = "/auth/sign_in"
VERIFY_PATH = "/verify"
BEARER = "Bearer "
# The two 401 bodies Data Zoo documents for a sign-in; quoted in our messages, nothing else is.
SIGN_IN_ERRORS = frozenset({"Incorrect password detected", "Incorrect log in credentials detected"})
ADDRESS_ELEMENTS = 5


@dataclass(frozen=True, slots=True)
class SessionGrant:
    """A sign-in's answer. ``expires_at``/``issued_at``: the JWT's ``exp``/``iat``, if readable."""

    session_token: str = field(repr=False)
    expires_at: float | None
    issued_at: float | None


@dataclass(frozen=True, slots=True)
class KycQuery:
    """One person's data, and the consent the caller obtained, for one verify request.

    Every field that describes the person is left out of ``repr``: a query must never reach a
    log line or a traceback with personal data in it.
    """

    country_code: str
    services: tuple[str, ...]
    consent: Mapping[str, bool]
    client_reference: str = field(repr=False)
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    date_of_birth: str = field(repr=False)
    middle_name: str | None = field(default=None, repr=False)
    gender: str | None = field(default=None, repr=False)
    # addressElement1..5, in order; None where the caller gave no element.
    address_elements: tuple[str | None, ...] = field(default=(), repr=False)
    identity_variables: Mapping[str, str] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The body of ``POST /verify``."""
        body: dict[str, Any] = {
            "countryCode": self.country_code,
            "service": list(self.services),
            "clientReference": self.client_reference,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "dateOfBirth": self.date_of_birth,
        }
        if self.middle_name:
            body["middleName"] = self.middle_name
        if self.gender:
            body["gender"] = self.gender
        for number, element in enumerate(self.address_elements[:ADDRESS_ELEMENTS], start=1):
            if element:
                body[f"addressElement{number}"] = element
        if self.identity_variables:
            body["identityVariables"] = dict(self.identity_variables)
        body["consentObtained"] = {name: bool(self.consent.get(name)) for name in self.services}
        return body


class DataZooApi(UpstreamClient):
    """Calls Data Zoo's KYC Data API over one keep-alive ``requests.Session``."""

    upstream = "Data Zoo"
    # The largest answer read (the transport drops a longer one: UPSTREAM_ERROR). A verify
    # answer is small: the emulator's answer to the largest request the API accepts (10
    # sources, every field at its longest) is 24 KB. Data Zoo does not document the size of a
    # source's returnedData (docs/reference/datazoo-api.md), hence a forty-fold margin.
    max_answer_bytes = 1024 * 1024

    def sign_in(self, username: str, password: str) -> SessionGrant:
        """A new session token (``POST /auth/sign_in``); other active tokens stay valid.

        Raises:
            DataZooAuthRejected: the credentials are wrong (401).
        """
        body = self._call(SIGN_IN_PATH, {"data": {"username": username, "password": password}})
        token = body.get("sessionToken")
        if not isinstance(token, str) or not token.startswith(BEARER) or len(token) <= len(BEARER):
            raise UpstreamError("Data Zoo's sign-in answer lacks a Bearer sessionToken")
        issued_at, expires_at = token_times(token)
        return SessionGrant(session_token=token, expires_at=expires_at, issued_at=issued_at)

    def verify(self, query: KycQuery, *, session_token: str) -> VerifyResult:
        """Check one person's data against the query's data sources (``POST /verify``).

        Each call is billed (``reportingReference``): it is never retried once sent.

        Raises:
            DataZooAuthRejected: Data Zoo refused the session token (401/403).
        """
        body = self._call(VERIFY_PATH, query.to_json(), authorization=session_token)
        return VerifyResult.from_json(body)

    def _call(
        self, path: str, body: Mapping[str, Any], *, authorization: str | None = None
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if authorization:
            headers["Authorization"] = authorization  # verbatim: it carries its own "Bearer "
        answer = self.transport.send("POST", self.base_url + path, headers=headers, json=body)
        return _read(answer, signing_in=path == SIGN_IN_PATH)


def token_times(session_token: str) -> tuple[float | None, float | None]:
    """(``iat``, ``exp``) of a ``Bearer <JWT>`` session token; None where it says nothing.

    The signature is not checked (Data Zoo keeps its key): the times only schedule renewal.
    """
    import jwt  # noqa: PLC0415 - only the rotation and readers of a fresh secret pay for it

    raw = session_token.removeprefix(BEARER).strip()
    try:
        claims = jwt.decode(raw, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, None
    return _epoch(claims.get("iat")), _epoch(claims.get("exp"))


def _epoch(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def _read(answer: Answer, *, signing_in: bool) -> dict[str, Any]:
    status = answer.status
    if is_redirect(status):
        # Never followed (upstream.transport): a verify re-sent elsewhere would carry the
        # person's data, and a sign-in the password.
        raise UpstreamError(f"Data Zoo answered {status}, a redirect, which is not followed")
    body = json_body(answer)
    if status == 200:
        if not isinstance(body, dict):
            raise UpstreamError("Data Zoo answered 200 with a body that is not a JSON object")
        return body
    if status in (401, 403):
        if signing_in:
            said = body.get("error") if isinstance(body, dict) else None
            detail = f" ({said})" if said in SIGN_IN_ERRORS else ""
            raise DataZooAuthRejected(f"Data Zoo rejected the credentials{detail}")
        raise DataZooAuthRejected("Data Zoo rejected the session token")
    # Data Zoo's rate limits are undocumented: a 429 is treated as "come back later".
    if status in (429, 503):
        raise UpstreamUnavailable("Data Zoo is unavailable", retry_after=retry_after(answer))
    # Data Zoo's 4xx bodies may quote the request, so none of their text is passed on.
    if 400 <= status < 500:
        raise UpstreamRequestRefused(f"Data Zoo refused the request ({status})")
    raise UpstreamError(f"Data Zoo answered {status}")

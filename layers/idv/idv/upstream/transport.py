"""HTTP plumbing every upstream client shares: one keep-alive session, timeouts, the one retry.

Each client (``oz.client``, ``datazoo.client``) still owns its URLs, headers and error shapes; this
module only knows how a request travels and how a failed journey becomes a ``ServiceError``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from idv import __version__
from idv.errors import ServiceError, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from idv.upstream import deadline

# An upstream's Retry-After is honoured but bounded: callers should come back within a minute.
MAX_RETRY_AFTER_SECONDS = 60
DEFAULT_RETRY_AFTER_SECONDS = 5
# Below this, an attempt could not even complete a loopback round trip: it is not made.
MIN_ATTEMPT_SECONDS = 0.05


class HttpTransport:
    """Sends requests to one upstream (``name`` appears in error messages) over one session."""

    def __init__(
        self,
        name: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        self.name = name
        self.timeout = (connect_timeout, read_timeout)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"oz-liveness-sam/{__version__}"

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request; retried once only when no connection was ever made.

        Nothing reached the upstream then, so even a single-use credential inside the body (an
        Oz capsule's session token) or a billed request (a Data Zoo verify) is still unspent.
        Each attempt's timeouts are clipped to what is left of the invocation
        (:mod:`idv.upstream.deadline`); an attempt with no time left is not made.

        Raises:
            UpstreamUnavailable: the upstream could not be reached (twice, or once with no
                time left for a second attempt).
            UpstreamTimeout: it did not answer in time.
            UpstreamError: the connection broke before a complete answer.
        """
        unreached: requests.exceptions.RequestException | None = None
        for attempt in (1, 2):
            timeout = self._timeout()
            if timeout is None:
                if unreached is not None:
                    raise self._transport_error(unreached) from None
                raise UpstreamTimeout(f"no time was left to call {self.name}")
            try:
                return self.session.request(method, url, timeout=timeout, **kwargs)
            except requests.exceptions.RequestException as error:
                if attempt == 1 and never_connected(error):
                    unreached = error
                    continue
                raise self._transport_error(error) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self) -> tuple[float, float] | None:
        """This attempt's (connect, read) timeouts, or None when the invocation has no time left."""
        left = deadline.remaining()
        if left is None:
            return self.timeout
        if left < MIN_ATTEMPT_SECONDS:
            return None
        connect, read = self.timeout
        return min(connect, left), min(read, left)

    def _transport_error(self, error: requests.exceptions.RequestException) -> ServiceError:
        if isinstance(error, requests.exceptions.ConnectTimeout) or never_connected(error):
            return UpstreamUnavailable(
                f"{self.name} could not be reached", retry_after=DEFAULT_RETRY_AFTER_SECONDS
            )
        if isinstance(error, requests.exceptions.Timeout):
            return UpstreamTimeout(f"{self.name} did not answer in time")
        return UpstreamError(f"the connection to {self.name} failed before a complete answer")


class UpstreamClient:
    """Base of an upstream's client: its base URL and one transport, named in error messages."""

    upstream: ClassVar[str]

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.transport = HttpTransport(
            self.upstream,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            session=session,
        )


def never_connected(error: requests.exceptions.RequestException) -> bool:
    """True when the request provably never reached the server (refused, or connect timeout)."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(error, requests.exceptions.ConnectionError):
        return False
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def json_body(response: requests.Response) -> Any:
    """The decoded JSON body, or None when there is none, it does not parse or nests too deeply.

    The standard library's C decoder, not ``response.json()``: requests prefers simplejson
    whenever it can import it (Lambda's runtime client brings one), so the decoder would
    depend on that build. ``json.loads`` detects UTF-8/16/32 as requests does.
    """
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError, requests.exceptions.RequestException):
        return None


def retry_after(response: requests.Response) -> int:
    """The answer's Retry-After in seconds, bounded to 1..60 (5 when absent or a date)."""
    raw = response.headers.get("Retry-After", "")
    seconds = int(raw) if raw.isdigit() else DEFAULT_RETRY_AFTER_SECONDS
    return max(1, min(seconds, MAX_RETRY_AFTER_SECONDS))

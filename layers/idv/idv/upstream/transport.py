"""HTTP plumbing every upstream client shares: one keep-alive session, timeouts, the one retry,
no redirects, and a byte cap on every answer.

Each client (``oz.client``, ``datazoo.client``) still owns its URLs, headers, error shapes and
answer cap; this module only knows how a request travels, how an answer is read, and how a failed
journey becomes a ``ServiceError``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

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
# An answer is read in pieces of this size (requests reads ``.content`` in 10 KiB ones).
READ_CHUNK_BYTES = 64 * 1024


def is_redirect(status: int) -> bool:
    """Any 3xx: never followed (an upstream's Location is not trusted with a token or a body)."""
    return 300 <= status < 400


@dataclass(frozen=True, slots=True)
class Answer:
    """An upstream's answer, read in full within the transport's cap (a redirect's body is not
    read: ``body`` is empty)."""

    status: int
    headers: Mapping[str, str]
    body: bytes = field(repr=False)


class HttpTransport:
    """Sends requests to one upstream (``name`` appears in error messages) over one session."""

    def __init__(
        self,
        name: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_answer_bytes: int,
        session: requests.Session | None = None,
    ) -> None:
        self.name = name
        self.timeout = (connect_timeout, read_timeout)
        self.max_answer_bytes = max_answer_bytes
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"oz-liveness-sam/{__version__}"
        # requests reads the environment (proxies, NO_PROXY, CA bundle, ~/.netrc) on every
        # request; a Lambda instance's environment never changes, so it is read once per
        # upstream origin here instead (about 0.05 ms of every relay, docs/BENCHMARKS.md,
        # Relay overhead). ~/.netrc is not read: no upstream is sent credentials from a file.
        self.session.trust_env = False
        self._environments: dict[str, dict[str, Any]] = {}

    def send(self, method: str, url: str, **kwargs: Any) -> Answer:
        """One request and its whole answer; retried once only when no connection was ever made.

        Nothing reached the upstream then, so even a single-use credential inside the body (an
        Oz capsule's session token) or a billed request (a Data Zoo verify) is still unspent.
        Each attempt's timeouts are clipped to what is left of the invocation
        (:mod:`idv.upstream.deadline`); an attempt with no time left is not made.

        No redirect is followed (``allow_redirects=False``): a 3xx comes back as it is, with no
        body, and nothing is sent to its ``Location``; the client decides it is an error. The
        answer's body is read at most ``max_answer_bytes`` long (``stream=True``): a longer one
        closes the connection.

        Raises:
            UpstreamUnavailable: the upstream could not be reached (twice, or once with no
                time left for a second attempt).
            UpstreamTimeout: it did not answer in time.
            UpstreamError: the connection broke before a complete answer, or the answer is
                longer than ``max_answer_bytes``.
        """
        unreached: requests.exceptions.RequestException | None = None
        for attempt in (1, 2):
            timeout = self._timeout()
            if timeout is None:
                if unreached is not None:
                    raise self._transport_error(unreached) from None
                raise UpstreamTimeout(f"no time was left to call {self.name}")
            try:
                response = self.session.request(
                    method,
                    url,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                    **self._environment(url),
                    **kwargs,
                )
                with response:  # closes the connection unless the answer was read to its end
                    if is_redirect(response.status_code):
                        return Answer(response.status_code, response.headers, b"")
                    body = self._read(response)
                return Answer(response.status_code, response.headers, body)
            except requests.exceptions.RequestException as error:
                if attempt == 1 and never_connected(error):
                    unreached = error
                    continue
                raise self._transport_error(error) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _environment(self, url: str) -> dict[str, Any]:
        """The proxies and CA bundle requests would take from the environment for ``url``
        (``HTTP(S)_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``), read at
        the first request to its origin."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        settings = self._environments.get(origin)
        if settings is None:
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            settings = {
                "proxies": requests.utils.get_environ_proxies(url, no_proxy=None),
                "verify": bundle or self.session.verify,
            }
            self._environments[origin] = settings
        return settings

    def _read(self, response: requests.Response) -> bytes:
        """The whole body, decoded as requests' ``.content`` would be, but never more than
        ``max_answer_bytes`` held: a longer body (announced or sent) is refused at once.

        Each read of the socket still waits at most the read timeout, as before.
        """
        cap = self.max_answer_bytes
        announced = _whole_number(response.headers.get("Content-Length", ""))
        if announced is not None and announced > cap:
            raise self._too_long()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > cap:
                raise self._too_long()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_long(self) -> UpstreamError:
        return UpstreamError(
            f"{self.name} answered more than {self.max_answer_bytes} bytes; the answer was dropped"
        )

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
    """Base of an upstream's client: its base URL and one transport, named in error messages,
    that reads at most ``max_answer_bytes`` of any answer."""

    upstream: ClassVar[str]
    max_answer_bytes: ClassVar[int]

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
            max_answer_bytes=self.max_answer_bytes,
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


def json_body(answer: Answer) -> Any:
    """The decoded JSON body, or None when there is none, it does not parse or nests too deeply.

    The standard library's C decoder, not ``response.json()``: requests prefers simplejson
    whenever it can import it (Lambda's runtime client brings one), so the decoder would
    depend on that build. ``json.loads`` detects UTF-8/16/32 as requests does.
    """
    try:
        return json.loads(answer.body)
    except (ValueError, RecursionError):
        return None


def retry_after(answer: Answer) -> int:
    """The answer's Retry-After in seconds, bounded to 1..60 (5 when absent or a date)."""
    seconds = _whole_number(answer.headers.get("Retry-After", ""))
    if seconds is None:
        seconds = DEFAULT_RETRY_AFTER_SECONDS
    return max(1, min(seconds, MAX_RETRY_AFTER_SECONDS))


def _whole_number(header: str) -> int | None:
    """A header's value as a whole number, or None (a date, junk, or digits other than 0-9)."""
    return int(header) if header.isascii() and header.isdigit() else None

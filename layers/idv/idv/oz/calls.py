"""The Oz calls the use cases make, each with the service token it needs.

One named method per call: the use case says what it asks Oz, and this class attaches the
service token from Secrets Manager, re-reading it once when Oz refuses it mid-rotation
(``oz.service_token.OzTokenSource``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from idv.oz.client import OzApi
from idv.oz.folders import Folder
from idv.oz.service_token import OzTokenSource
from idv.oz.settings import OzSettings
from idv.upstream.bodies import SizedBody


class OzCalls:
    """Oz as the use cases see it: ``oz`` is the client, ``tokens`` its service token."""

    def __init__(self, oz: OzApi, tokens: OzTokenSource) -> None:
        self.oz = oz
        self.tokens = tokens

    @classmethod
    def from_settings(cls, settings: OzSettings) -> OzCalls:
        """One keep-alive HTTP session to Oz and one cached token for this Lambda instance."""
        return cls(
            settings.client(),
            OzTokenSource(settings.token_secret_id, max_age=settings.secrets_max_age),
        )

    def session_token(self) -> str:
        """A fresh session token for one capture (``GET /api/authorize/session_token``)."""
        return self.tokens.call(lambda token: self.oz.get_session_token(access_token=token))

    def analyze_capsule(self, capsule: bytes) -> Folder:
        """The container, byte for byte, to the Instant endpoint (``oz.client``)."""
        return self.tokens.call(lambda token: self.oz.analyze_capsule(capsule, access_token=token))

    def analyze_upload(self, open_body: Callable[[], SizedBody]) -> Folder:
        """An uploaded container, streamed to the Instant endpoint.

        ``open_body`` gives the container from its first byte each time it is called: a retry
        with a re-read service token sends it again from the start.
        """
        return self.tokens.call(
            lambda token: self.oz.analyze_capsule(open_body(), access_token=token)
        )

    def match_faces(self, best_shot: bytes, reference: bytes) -> Folder:
        """A biometry analysis of two images (one multipart Instant request)."""
        return self.tokens.call(
            lambda token: self.oz.match_faces(best_shot, reference, access_token=token)
        )

    def read_token(self) -> None:
        """Read the service token secret (deep health): raises when it is missing or malformed."""
        self.tokens.current()

    def version(self) -> Mapping[str, Any]:
        """Oz's version document: reachability, no token needed."""
        return self.oz.version()


@cache
def instance() -> OzCalls:
    """This Lambda instance's Oz calls; a configuration error is raised again on the next call."""
    return OzCalls.from_settings(OzSettings.from_environment())

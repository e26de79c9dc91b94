"""Every request the emulator receives, for tests to inspect (thread-safe).

Token values are not kept: a request records whether it carried the token header
(``X-Forensic-Access-Token`` for Oz, ``Authorization`` for Data Zoo) and the SHA-256 of its
value, so a test can tell which token was used without seeing it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request

TOKEN_HEADER = "X-Forensic-Access-Token"  # noqa: S105 - a header name
REDACTED = "<redacted>"


def token_sha256(token: str) -> str:
    """How a recorded request names the token it carried."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(slots=True)
class RecordedPart:
    name: str
    filename: str | None
    content_type: str | None
    length: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "filename": self.filename,
            "content_type": self.content_type,
            "length": self.length,
            "sha256": self.sha256,
        }


@dataclass(slots=True)
class RecordedRequest:
    request_id: int
    time: float
    method: str
    path: str
    query: str
    headers: dict[str, str]
    content_type: str | None
    body_length: int
    body_sha256: str
    token_sha256: str | None
    raw_body: bytes | None = field(default=None, repr=False)  # octet-stream bodies only
    # JSON bodies, when the log keeps them (the Data Zoo emulator's), with secrets masked.
    json_body: Any = field(default=None, repr=False)
    parts: list[RecordedPart] = field(default_factory=list)
    status: int | None = None
    fault: str | None = None
    # Why the emulator refused the request, where Oz would say so only in its own log.
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        kept = {"json_body": self.json_body} if self.json_body is not None else {}
        return {
            "id": self.request_id,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": dict(self.headers),
            "content_type": self.content_type,
            "body_length": self.body_length,
            "body_sha256": self.body_sha256,
            "token_sha256": self.token_sha256,
            "parts": [part.to_json() for part in self.parts],
            "status": self.status,
            "fault": self.fault,
            "reason": self.reason,
            **kept,
        }


class RequestLog:
    """``token_header``: the header whose value is hashed, never kept. ``keep_json``: keep
    JSON bodies (``json_body``), with the values of ``masked`` keys replaced at any depth."""

    def __init__(
        self,
        *,
        token_header: str = TOKEN_HEADER,
        keep_json: bool = False,
        masked: frozenset[str] = frozenset(),
    ) -> None:
        self._records: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._token_header = token_header
        self._keep_json = keep_json
        self._masked = masked

    def record(self, request: Request, body: bytes, now: float) -> RecordedRequest:
        token = request.headers.get(self._token_header)
        headers = {
            name: (REDACTED if name.lower() == self._token_header.lower() else value)
            for name, value in request.headers.items()
        }
        entry = RecordedRequest(
            request_id=next(self._ids),
            time=now,
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            headers=headers,
            content_type=request.headers.get("Content-Type"),
            body_length=len(body),
            body_sha256=hashlib.sha256(body).hexdigest(),
            token_sha256=token_sha256(token) if token is not None else None,
            raw_body=body if request.mimetype == "application/octet-stream" else None,
            json_body=_json(body, self._masked) if self._keep_json else None,
            parts=_parts(request),
        )
        with self._lock:
            self._records.append(entry)
        return entry

    def all(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


def _json(body: bytes, masked: frozenset[str]) -> Any:
    try:
        return _mask(json.loads(body), masked) if body else None
    except (UnicodeDecodeError, ValueError):
        return None


def _mask(value: Any, masked: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in masked else _mask(v, masked) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(item, masked) for item in value]
    return value


def _parts(request: Request) -> list[RecordedPart]:
    if request.mimetype != "multipart/form-data":
        return []
    parts = []
    for name, text in request.form.items(multi=True):
        data = text.encode()
        parts.append(RecordedPart(name, None, None, len(data), hashlib.sha256(data).hexdigest()))
    for name, upload in request.files.items(multi=True):
        data = upload.read()
        upload.seek(0)
        digest = hashlib.sha256(data).hexdigest()
        parts.append(RecordedPart(name, upload.filename, upload.mimetype, len(data), digest))
    return parts

"""Containers uploaded straight to S3 with a presigned POST, read back once to be checked.

The only module that knows the uploads bucket. An upload is one object under ``uploads/`` with
an unguessable key. The presigned POST's policy fixes everything the check relies on, so the
front end cannot change it: the object's type (``application/octet-stream``), its size
(1..``max_bytes``), its owner (a hash of the upload id and the caller's subject, never the
subject itself) and the time after which it can no longer be checked. The object is readable by
the functions only: the front end can post it, never read it back.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from idv import config
from idv.errors import (
    EmptyBody,
    PayloadTooLarge,
    StoreUnavailable,
    UnsupportedMediaType,
    UploadNotFound,
)
from idv.upstream.bodies import SizedBody

logger = Logger(child=True)

PREFIX = "uploads/"
CONTENT_TYPE = "application/octet-stream"
# How long the presigned POST may be used, and how long after that the object can be checked.
URL_SECONDS = 300
CHECK_GRACE_SECONDS = 300
DEFAULT_MAX_UPLOAD_BYTES = 32 * 1024 * 1024
MAX_MAX_UPLOAD_BYTES = 5 * 1024 * 1024 * 1024  # S3's largest single POST
OWNER_FIELD = "x-amz-meta-owner"
CHECK_BY_FIELD = "x-amz-meta-check-by"
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{43}")
_MISSING = frozenset({"NoSuchKey", "404", "NotFound", "AccessDenied", "403", "PreconditionFailed"})


@dataclass(frozen=True, slots=True)
class UploadTicket:
    """What the front end needs to post one container (``POST /v1/liveness/uploads``)."""

    upload_id: str
    url: str
    fields: Mapping[str, str] = field(repr=False)
    expires_at: int
    max_bytes: int

    def public(self) -> dict[str, Any]:
        """The body of ``POST /v1/liveness/uploads``."""
        expires = datetime.fromtimestamp(self.expires_at, tz=UTC)
        return {
            "upload_id": self.upload_id,
            "url": self.url,
            "fields": dict(self.fields),
            "expires_at": expires.isoformat().replace("+00:00", "Z"),
            "max_bytes": self.max_bytes,
        }


@dataclass(slots=True)
class Upload:
    """A posted container, opened for reading: ``body`` streams it from its first byte."""

    upload_id: str
    size: int
    etag: str
    body: SizedBody = field(repr=False)


class UploadBucket:
    """The uploads bucket: issues presigned POSTs, opens and deletes what was posted."""

    def __init__(
        self,
        bucket: str,
        *,
        max_bytes: int,
        client: Any,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bucket = bucket
        self.max_bytes = max_bytes
        self.client = client
        self.clock = clock

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> UploadBucket:
        """``UPLOADS_BUCKET_NAME`` and ``MAX_UPLOAD_BYTES``, with this instance's S3 client."""
        return cls(
            config.required(env, "UPLOADS_BUCKET_NAME"),
            max_bytes=read_max_upload_bytes(env),
            client=_client(),
        )

    def issue(self, subject: str | None) -> UploadTicket:
        """A presigned POST for one new object, bound to ``subject`` (None: no signed-in user)."""
        upload_id = secrets.token_urlsafe(32)
        now = int(self.clock())
        fields = {
            "Content-Type": CONTENT_TYPE,
            OWNER_FIELD: owner_hash(upload_id, subject),
            CHECK_BY_FIELD: str(now + URL_SECONDS + CHECK_GRACE_SECONDS),
        }
        conditions: list[Any] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", 1, self.max_bytes])
        try:
            post = self.client.generate_presigned_post(
                Bucket=self.bucket,
                Key=PREFIX + upload_id,
                Fields=fields,
                Conditions=conditions,
                ExpiresIn=URL_SECONDS,
            )
        except (BotoCoreError, ClientError) as error:
            raise _unavailable(error) from None
        return UploadTicket(
            upload_id=upload_id,
            url=post["url"],
            fields=post["fields"],
            expires_at=now + URL_SECONDS,
            max_bytes=self.max_bytes,
        )

    def open(self, upload_id: str, subject: str | None) -> Upload:
        """The caller's posted container, checked against the policy before a byte is read.

        An expired object, or one whose size or type breaks the policy, is deleted.

        Raises:
            UploadNotFound: no such object, or it is another caller's, or it has expired.
            EmptyBody, PayloadTooLarge, UnsupportedMediaType: the object breaks the policy.
        """
        if not UPLOAD_ID.fullmatch(upload_id):
            raise UploadNotFound("no such upload")
        answer = self._get(upload_id)
        body = answer["Body"]
        try:
            self._check(upload_id, subject, answer)
        except BaseException:
            body.close()
            raise
        size = int(answer["ContentLength"])
        return Upload(upload_id, size, str(answer["ETag"]), SizedBody(body, size))

    def reopen(self, upload: Upload) -> SizedBody:
        """The same object from its first byte again (only if it has not been replaced)."""
        answer = self._get(upload.upload_id, if_match=upload.etag)
        return SizedBody(answer["Body"], upload.size)

    def delete(self, upload_id: str) -> None:
        """Delete the object (nothing happens when it is already gone)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=PREFIX + upload_id)
        except (BotoCoreError, ClientError) as error:
            # The lifecycle rule removes it within a day; the check it was for is not failed.
            logger.warning("an upload could not be deleted", extra={"error_type": _code(error)})

    def _get(self, upload_id: str, *, if_match: str | None = None) -> dict[str, Any]:
        extra = {"IfMatch": if_match} if if_match else {}
        try:
            answer: dict[str, Any] = self.client.get_object(
                Bucket=self.bucket, Key=PREFIX + upload_id, **extra
            )
        except ClientError as error:
            # Without s3:ListBucket, S3 answers a missing key with 403 rather than 404.
            if _code(error) in _MISSING:
                raise UploadNotFound("no such upload") from None
            raise _unavailable(error) from None
        except BotoCoreError as error:
            raise _unavailable(error) from None
        return answer

    def _check(self, upload_id: str, subject: str | None, answer: Mapping[str, Any]) -> None:
        metadata = answer.get("Metadata") or {}
        owner = metadata.get(OWNER_FIELD.removeprefix("x-amz-meta-"), "")
        if not hmac.compare_digest(owner, owner_hash(upload_id, subject)):
            # Another caller's (or not ours at all): as if it did not exist, and left alone.
            raise UploadNotFound("no such upload")
        if self.clock() > _check_by(metadata, answer.get("LastModified")):
            self.delete(upload_id)
            raise UploadNotFound("the upload has expired")
        size = int(answer.get("ContentLength", 0))
        refusal: Exception | None = None
        if answer.get("ContentType") != CONTENT_TYPE:
            refusal = UnsupportedMediaType(f"the upload must be {CONTENT_TYPE}")
        elif size < 1:
            refusal = EmptyBody("the upload is empty")
        elif size > self.max_bytes:
            refusal = PayloadTooLarge(f"the upload exceeds {self.max_bytes} bytes")
        if refusal is not None:
            self.delete(upload_id)
            raise refusal


def _check_by(metadata: Mapping[str, str], last_modified: Any) -> float:
    """When the object stops being checkable: the deadline its policy fixed, and in any case
    no later than the longest a POST made in time allows (should a store not enforce it)."""
    fixed = metadata.get(CHECK_BY_FIELD.removeprefix("x-amz-meta-"), "")
    deadline = float(fixed) if fixed.isascii() and fixed.isdigit() else 0.0
    if isinstance(last_modified, datetime):
        deadline = min(deadline, last_modified.timestamp() + URL_SECONDS + CHECK_GRACE_SECONDS)
    return deadline


def owner_hash(upload_id: str, subject: str | None) -> str:
    """Who may check an upload, without naming them: SHA-256 of the upload id and the subject."""
    return hashlib.sha256(f"{upload_id}\n{subject or ''}".encode()).hexdigest()


def read_max_upload_bytes(env: Mapping[str, str]) -> int:
    """The largest container accepted through an upload (``MAX_UPLOAD_BYTES``)."""
    return config.integer(
        env, "MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES, low=1, high=MAX_MAX_UPLOAD_BYTES
    )


@cache
def instance() -> UploadBucket:
    """This Lambda instance's uploads bucket; a configuration error is raised again next call."""
    return UploadBucket.from_environment(os.environ)


def _client() -> Any:
    # Short timeouts: the check streams the object to Oz within API Gateway's 29 s.
    #
    # No flexible-checksum validation of GetObject ("when_required": botocore then does not ask
    # S3 for the object's checksum). By default botocore wraps the body in a StreamingChecksumBody
    # that runs a CRC over every block read, and compares it only once a read returns nothing:
    # SizedBody stops at the object's length and never makes that read, so the CRC cost about
    # 0.3 ms per MiB (the upload check's cost above its floor in `--only upload`, README's
    # Performance) and was never compared. Validating it would keep that cost for no protection
    # the check lacks: S3 is reached over TLS, a short body is still refused (SizedBody, urllib3's
    # Content-Length check), and Oz verifies the container's own signature and hashes, so a
    # corrupted container is declined, never accepted.
    return boto3.client(
        "s3",
        config=Config(
            signature_version="s3v4",
            connect_timeout=3.05,
            read_timeout=10,
            retries={"max_attempts": 3, "mode": "standard"},
            response_checksum_validation="when_required",
        ),
    )


def _code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


def _unavailable(error: Exception) -> StoreUnavailable:
    logger.error("the uploads bucket could not be reached", extra={"error_type": _code(error)})
    return StoreUnavailable("the uploads bucket could not be reached")

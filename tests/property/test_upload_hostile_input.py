"""Hostile input on the upload routes, generated: every answer is a documented status in the one
envelope (or the documented success), never a 5xx of ours, never another caller's upload.

``POST /v1/liveness/uploads`` gets any body, type and query; ``POST
/v1/liveness/uploads/{upload_id}/check`` any upload id in its path (any characters, lengths,
percent-encodings, near-misses of a real upload id) and any ``include``; and the bucket gets
objects no presigned POST would let in (any size, type, owner and deadline), put there
directly. The bucket is moto_server over HTTP and Oz the emulator, as in
tests/integration/functions/test_upload_handlers.py.
"""

from __future__ import annotations

import os
import secrets as pysecrets
import string
import time
from collections.abc import Callable
from urllib.parse import quote

import leaks
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_hostile_input import EXAMPLES, bodies, check, header_values, mutate, queries
from upload_fixtures import UPLOADS_PREFIX, UploadsBucket

from idv.aws import uploads
from oz_emulator import OzEmulator, make_capsule
from support import invoke, load_event

ISSUE = "POST /v1/liveness/uploads"
CHECK = "POST /v1/liveness/uploads/{upload_id}/check"
FOLDERS = "/api/instant/folders/"
OWNER = "7d3f1c2e-0000-4000-8000-00000000c0de"  # the signed-in events' Cognito user
TICKET_FIELDS = {"upload_id", "url", "fields", "expires_at", "max_bytes"}
DECISION_FIELDS = {"decision", "folder_id", "event_session_id", "receipt", "receipt_expires_at"}
MAX_BYTES = 64 * 1024
ID_ALPHABET = string.ascii_letters + string.digits + "-_"


@pytest.fixture
def bucket(uploads_bucket: UploadsBucket, monkeypatch: pytest.MonkeyPatch) -> UploadsBucket:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(MAX_BYTES))
    return uploads_bucket


@pytest.fixture
def held() -> dict[str, str]:
    """Upload ids a test keeps across its generated examples (one fixture for them all)."""
    return {}


def session_token() -> str:
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    assert status == 200, body
    return str(body["session_token"])


def posted(bucket: UploadsBucket, event: str = "uploads/post.json") -> str:
    """A real container posted with a real ticket (``event``: whose); its upload id."""
    status, ticket, _ = invoke("liveness_upload", load_event(event))
    assert status == 201, ticket
    container = make_capsule(session_token(), size=4096)
    leaks.register_capsule(container)
    assert bucket.post(ticket, container).ok
    return str(ticket["upload_id"])


def check_event(upload_id: str, path_id: str | None = None, *, signed_in: bool = False) -> dict:
    """The check's event; ``path_id``: how the id appears in the path (default: as is)."""
    name = "uploads/post_check_signed_in.json" if signed_in else "uploads/post_check.json"
    event = load_event(name)
    placeholder = event["pathParameters"]["upload_id"]
    in_path = upload_id if path_id is None else path_id
    event["path"] = event["path"].replace(placeholder, in_path)
    event["requestContext"]["path"] = event["requestContext"]["path"].replace(placeholder, in_path)
    event["pathParameters"] = {"upload_id": upload_id}
    return event


def sent_to_oz(oz: OzEmulator) -> int:
    return len([r for r in oz.requests if r.path == FOLDERS])


# --- the issue route --------------------------------------------------------------------------


@EXAMPLES
@given(body=bodies(), content_type=st.none() | header_values, query=queries())
def test_issuing_an_upload_survives_any_request(bucket, oz, body, content_type, query):
    event = mutate(load_event("uploads/post.json"), *body, content_type, query)
    status, answer = check(ISSUE, "liveness_upload", event, oz)
    assert oz.requests == []  # issuing never calls Oz
    if status == 201:
        # Nothing in the request steers the ticket: our bucket, a fresh key, our limits.
        assert set(answer) == TICKET_FIELDS
        assert answer["url"].startswith(os.environ["AWS_ENDPOINT_URL_S3"])
        assert uploads.UPLOAD_ID.fullmatch(answer["upload_id"])
        assert answer["fields"]["key"] == UPLOADS_PREFIX + answer["upload_id"]
        assert answer["fields"]["Content-Type"] == uploads.CONTENT_TYPE
        assert answer["max_bytes"] == MAX_BYTES
    else:
        assert status < 500, answer


# --- the upload id in the path ----------------------------------------------------------------


# Near-misses of a real upload id: what a caller could try to reach someone else's upload with.
NEAR_MISSES: dict[str, Callable[[str, str], str]] = {
    "exact": lambda real, _: real,
    "swapped case": lambda real, _: real.swapcase(),
    "prefixed": lambda real, noise: noise + real,
    "suffixed": lambda real, noise: real + noise,
    "truncated": lambda real, _: real[:-1],
    "doubled": lambda real, _: real + real,
    "percent-encoded": lambda real, _: "".join(f"%{ord(c):02X}" for c in real),
    "key path": lambda real, _: UPLOADS_PREFIX + real,
    "traversal": lambda real, _: f"..%2F..%2F{UPLOADS_PREFIX}{real}",
    "with a newline": lambda real, _: real + "\n",
    "with a NUL": lambda real, _: real[:20] + "\x00" + real[20:],
    "padded": lambda real, _: f" {real} ",
}
any_id = st.one_of(
    st.text(max_size=300),  # any characters (NUL, controls, any plane)
    st.text(alphabet=ID_ALPHABET, min_size=43, max_size=43),  # well-formed, unknown
    st.text(alphabet=ID_ALPHABET + "%/.=+~", max_size=100),
    st.integers(min_value=0, max_value=200_000).map(lambda n: "A" * n),  # any length
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)


@EXAMPLES
@given(data=st.data(), encode_path=st.booleans())
def test_no_upload_id_reaches_another_callers_upload(bucket, oz, held, data, encode_path):
    # Given the signed-in owner's upload, and an anonymous caller (no subject) trying ids
    if "owner's" not in held:
        held["owner's"] = posted(bucket, "uploads/post_signed_in.json")
    real = held["owner's"]
    if data.draw(st.booleans(), label="near miss"):
        how = data.draw(st.sampled_from(sorted(NEAR_MISSES)), label="how")
        upload_id = NEAR_MISSES[how](real, data.draw(st.text(max_size=8), label="noise"))
    else:
        upload_id = data.draw(any_id, label="upload id")
    path_id = quote(upload_id, safe="") if encode_path else upload_id
    # When it asks for a check
    status, answer = check(CHECK, "upload_check", check_event(upload_id, path_id), oz)
    # Then it is told there is no such upload (or no such route), and Oz got nothing
    assert status == 404, answer
    # NOT_FOUND: a character no issued id has and the router does not take (README)
    assert answer["error"]["code"] in ("UPLOAD_NOT_FOUND", "NOT_FOUND")
    assert sent_to_oz(oz) == 0
    assert bucket.keys() == [UPLOADS_PREFIX + real]  # the owner's upload is left alone


def test_the_owner_can_still_check_an_upload_others_were_refused(bucket, oz):
    upload_id = posted(bucket, "uploads/post_signed_in.json")
    assert invoke("upload_check", check_event(upload_id))[0] == 404  # anonymous
    status, answer, _ = invoke("upload_check", check_event(upload_id, signed_in=True))
    assert (status, answer["decision"]) == (200, "ACCEPT")


# --- include ----------------------------------------------------------------------------------

include_values = st.one_of(
    st.text(max_size=64),
    st.sampled_from(["best_shot", "BEST_SHOT", "best_shot ", "best_shot,best_shot", "", "true"]),
    st.sampled_from(["best%5Fshot", "best_shot\x00", "best_shot\n"]),
)


@EXAMPLES
@given(
    include=st.none() | include_values,
    repeated=st.lists(include_values, max_size=3),
    other=st.dictionaries(st.text(max_size=16), st.text(max_size=16), max_size=2),
)
def test_include_is_best_shot_or_absent_or_refused_before_the_upload_is_read(
    bucket, oz, held, include, repeated, other
):
    assume("include" not in other)
    # Given the caller's own upload
    if "mine" not in held:
        held["mine"] = posted(bucket)
    event = check_event(held["mine"])
    query = {**other, **({"include": include} if include is not None else {})}
    event["queryStringParameters"] = query or None
    multi = {k: [v] for k, v in other.items()}
    if include is not None:
        multi["include"] = [*repeated, include]  # API Gateway: the single value is the last
    event["multiValueQueryStringParameters"] = multi or None
    # When it asks for a check with any include
    status, answer = check(CHECK, "upload_check", event, oz)
    if include not in (None, "best_shot"):
        # Then a value we do not offer is refused before anything is read or sent
        assert (status, answer["error"]["code"]) == (422, "VALIDATION_ERROR")
        assert sent_to_oz(oz) == 0
        assert bucket.keys() == [UPLOADS_PREFIX + held["mine"]]
        return
    # Otherwise it is checked, with the best shot only when asked for
    assert status == 200, answer
    assert set(answer) == DECISION_FIELDS | ({"best_shot"} if include else set())
    assert bucket.keys() == []
    held["mine"] = posted(bucket)  # the next example's


# --- objects no presigned POST would let in ---------------------------------------------------

printable = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
content_types = st.one_of(
    st.just(uploads.CONTENT_TYPE),
    st.sampled_from(["text/plain", "application/json", "APPLICATION/OCTET-STREAM"]),
    st.just(uploads.CONTENT_TYPE + "; charset=utf-8"),
    printable.filter(lambda t: t.strip() == t and t),
)
contents = st.one_of(
    st.sampled_from(["empty", "one byte", "capsule", "capsule over the limit", "truncated"]),
    st.binary(min_size=1, max_size=2048),
)


def content(kind: str | bytes) -> bytes:
    if isinstance(kind, bytes):
        return kind
    return {
        "empty": lambda: b"",
        "one byte": lambda: b"\x00",
        "capsule": lambda: make_capsule(session_token(), size=4096),
        "capsule over the limit": lambda: make_capsule(session_token(), size=MAX_BYTES + 1),
        "truncated": lambda: make_capsule(session_token(), size=4096)[:1000],
    }[kind]()


@EXAMPLES
@given(
    kind=contents,
    content_type=content_types,
    owner=st.sampled_from(["mine", "the owner's", "missing"]) | printable,
    check_by=st.sampled_from(["valid", "past", "missing", "far future"]) | printable,
)
def test_any_object_in_the_bucket_is_answered_by_the_policy(
    bucket, oz, kind, content_type, owner, check_by
):
    # Given an object put straight into the bucket, under a well-formed upload id
    upload_id = pysecrets.token_urlsafe(32)
    owners = {
        "mine": uploads.owner_hash(upload_id, None),
        "the owner's": uploads.owner_hash(upload_id, OWNER),
        "missing": None,
    }
    now = int(time.time())
    deadlines = {"valid": str(now + 300), "past": str(now - 1), "missing": None}
    deadlines["far future"] = str(now + 10**9)  # capped by LastModified + the policy's times
    metadata = {
        "owner": owners.get(owner, owner),
        "check-by": deadlines.get(check_by, check_by),
    }
    body = content(kind)
    leaks.register_capsule(body)  # never logged or returned, whether or not Oz reads it
    bucket.client.put_object(
        Bucket=bucket.name,
        Key=UPLOADS_PREFIX + upload_id,
        Body=body,
        ContentType=content_type,
        Metadata={k: v for k, v in metadata.items() if v is not None},
    )
    stored = bucket.client.head_object(Bucket=bucket.name, Key=UPLOADS_PREFIX + upload_id)
    # When the anonymous caller asks for its check
    status, answer = check(CHECK, "upload_check", check_event(upload_id), oz)
    left = bucket.keys()
    bucket.client.delete_object(Bucket=bucket.name, Key=UPLOADS_PREFIX + upload_id)
    # Then: never a 5xx, and the policy decides, before Oz gets a byte
    assert status < 500, answer
    if owner != "mine":  # another caller's, or nobody's: as if it did not exist, left alone
        assert (status, answer["error"]["code"]) == (404, "UPLOAD_NOT_FOUND")
        assert left == [UPLOADS_PREFIX + upload_id]
        assert sent_to_oz(oz) == 0
        return
    assert left == []  # checked or refused, it is gone
    deadline = metadata["check-by"] or ""
    if not (deadline.isascii() and deadline.isdigit() and int(deadline) > time.time()):
        assert (status, answer["error"]["code"]) == (404, "UPLOAD_NOT_FOUND")
    elif stored["ContentType"] != uploads.CONTENT_TYPE:
        assert (status, answer["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    elif not body:
        assert (status, answer["error"]["code"]) == (400, "EMPTY_BODY")
    elif len(body) > MAX_BYTES:
        assert (status, answer["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    else:  # within the policy: Oz judges it, once
        assert sent_to_oz(oz) == 1
        if status == 200:
            assert set(answer) == DECISION_FIELDS
        else:
            assert answer["error"]["code"] in ("INVALID_CONTAINER", "CONTAINER_REJECTED")
        return
    assert sent_to_oz(oz) == 0

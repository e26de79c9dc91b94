"""The trust chain through the real handlers: liveness -> receipt -> redeem or biometry, once.

Oz is the emulator over HTTP; Secrets Manager and DynamoDB are moto. Concurrency is tested at
the use cases, with one set of clients per thread as separate Lambda containers would have
(a Powertools resolver serves one invocation at a time).
"""

from __future__ import annotations

import base64
import json
import secrets as pysecrets
import threading
import time
from collections import Counter

import boto3
import jwt
import pytest
from oz_fixtures import RECEIPT_SECRET, VERIFICATIONS_TABLE
from rotation_support import enable_rotation, start_rotation

from idv.aws import secrets
from idv.errors import ReceiptInUse, ReceiptUsed, RequestInProgress
from idv.oz.calls import OzCalls
from idv.oz.settings import OzSettings
from idv.receipts.keys import SigningKeys
from idv.receipts.rotation import rotate
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import AUDIENCE, ISSUER, ReceiptTokens
from idv.usecases import check_liveness, match_faces
from oz_emulator import make_capsule
from oz_emulator.faces import make_face_jpeg
from support import LambdaContext, clear_instance_caches, invoke, load_event

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

SUBJECT = "7d3f1c2e-0000-4000-8000-00000000c0de"  # the events' Cognito user
FOLDERS = "/api/instant/folders/"


@pytest.fixture(autouse=True)
def _deployed(deployed):
    return deployed


def session_token() -> str:
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    assert status == 200
    return body["session_token"]


def liveness(capsule: bytes, name: str = "liveness/post_capsule.json"):
    event = load_event(name)
    event["body"] = base64.b64encode(capsule).decode()
    return invoke("capsule_relay", event)


def accepted(name: str = "liveness/post_capsule.json", person: str = "alice") -> dict:
    status, body, _ = liveness(make_capsule(session_token(), person=person), name)
    assert status == 200
    assert body["decision"] == "ACCEPT"
    return body


def biometry(receipt: str, reference: str | None = "alice", subject: str | None = None):
    body = {
        "receipt": receipt,
        "reference_photo": base64.b64encode(make_face_jpeg(reference)).decode(),
    }
    if subject is not None:
        body["subject"] = subject
    event = load_event("biometry/post.json")
    event["body"] = json.dumps(body)
    return invoke("biometry", event)


def redeem(receipt: str, subject: str | None = None):
    event = load_event("receipts/post_redeem.json")
    event["body"] = json.dumps({"receipt": receipt} | ({"subject": subject} if subject else {}))
    return invoke("redeem_receipt", event)


def oz_calls(oz) -> int:
    return sum(1 for r in oz.requests if r.path == FOLDERS)


def stored_items() -> list[dict]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    return client.scan(TableName=VERIFICATIONS_TABLE)["Items"]


# --- redeem -----------------------------------------------------------------------------


def test_a_receipt_redeems_once_for_the_facts_it_stands_for(oz):
    answer = accepted()
    status, body, _ = redeem(answer["receipt"])
    assert status == 200
    assert body["decision"] == "ACCEPT"
    assert body["folder_id"] == answer["folder_id"]
    assert body["event_session_id"] == answer["event_session_id"]
    assert body["subject"] is None
    assert body["issued_at"].endswith("Z")
    status, body, _ = redeem(answer["receipt"])
    assert status == 409
    assert body["error"]["code"] == "RECEIPT_USED"
    assert body["error"]["retryable"] is False


def test_a_redeemed_receipt_cannot_then_be_face_matched(oz):
    answer = accepted()
    assert redeem(answer["receipt"])[0] == 200
    before = oz_calls(oz)
    status, body, _ = biometry(answer["receipt"])
    assert (status, body["error"]["code"]) == (409, "RECEIPT_USED")
    assert oz_calls(oz) == before


# --- biometry, once -----------------------------------------------------------------------


def test_a_receipt_face_matches_once_and_its_best_shot_is_then_deleted(oz):
    answer = accepted()
    status, body, _ = biometry(answer["receipt"], "alice")
    assert (status, body["decision"]) == (200, "MATCH")
    assert not [item for item in stored_items() if "best_shot" in item]
    status, body, _ = biometry(answer["receipt"], "bob")
    assert (status, body["error"]["code"]) == (409, "RECEIPT_USED")


def test_an_oz_failure_without_an_answer_leaves_the_receipt_usable(oz, monkeypatch):
    monkeypatch.setenv("OZ_READ_TIMEOUT_SECONDS", "1")
    answer = accepted()
    for fault in ({"kind": "status", "status": 500}, {"kind": "latency", "seconds": 1.5}):
        oz.faults.add(FOLDERS, **fault)
        status, body, _ = biometry(answer["receipt"])
        assert status in (502, 504)
        assert body["error"]["retryable"] is True
    status, body, _ = biometry(answer["receipt"])
    assert (status, body["decision"]) == (200, "MATCH")


class AtomicItemWrites:
    """A DynamoDB client whose item operations run one at a time. DynamoDB applies each
    conditional update atomically; moto's in-process table checks and writes in two steps, so
    two threads could both pass the same condition (seen: two claims of one receipt)."""

    LOCK = threading.Lock()

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name):
        operation = getattr(self._client, name)
        if name not in ("update_item", "put_item", "get_item", "delete_item"):
            return operation

        def atomic(**kwargs):
            with self.LOCK:
                return operation(**kwargs)

        return atomic


def test_five_concurrent_face_matches_with_one_receipt_make_one_oz_call(oz, deployed):
    answer = accepted()
    oz.clear_requests()
    oz.faults.add(FOLDERS, "latency", seconds=0.5)
    results: list[object] = []
    start = threading.Barrier(5)
    secrets._client()  # boto3's default session is not thread-safe while it builds a client

    def container() -> None:
        # Each thread is a container of its own: its own Oz client, keys and store client.
        oz_calls_ = OzCalls.from_settings(OzSettings.from_environment())
        tokens = ReceiptTokens(SigningKeys(RECEIPT_SECRET, max_age=300), ttl_seconds=300)
        store = ReceiptStore(
            VERIFICATIONS_TABLE,
            client=AtomicItemWrites(
                boto3.session.Session().client("dynamodb", region_name="us-east-1")
            ),
        )
        start.wait()
        try:
            result = match_faces.match_best_shot(
                answer["receipt"],
                make_face_jpeg("alice"),
                subject=None,
                oz=oz_calls_,
                receipts=tokens,
                store=store,
            )
            results.append(result.decision.value)
        except (ReceiptInUse, ReceiptUsed) as error:
            results.append(error.code)

    threads = [threading.Thread(target=container) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # One match; the others were refused while it ran (or, on a slow machine, after it ended).
    assert len(results) == 5
    assert results.count("MATCH") == 1
    assert set(results) - {"MATCH"} <= {"RECEIPT_IN_USE", "RECEIPT_USED"}
    assert oz_calls(oz) == 1


# --- receipts bound to the signed-in user --------------------------------------------------


def test_a_signed_in_users_receipt_needs_that_user(oz):
    answer = accepted("liveness/post_capsule_signed_in.json")
    claims = jwt.decode(answer["receipt"], options={"verify_signature": False})
    assert claims["sub"] == SUBJECT
    for subject in (None, "someone-else"):
        status, body, _ = redeem(answer["receipt"], subject)
        assert (status, body["error"]["code"]) == (401, "RECEIPT_INVALID")
        status, body, _ = biometry(answer["receipt"], subject=subject)
        assert (status, body["error"]["code"]) == (401, "RECEIPT_INVALID")
    status, body, _ = redeem(answer["receipt"], SUBJECT)
    assert (status, body["subject"]) == (200, SUBJECT)


# --- receipts that are not good -------------------------------------------------------------


def forged(deployed, **claims) -> str:
    version = deployed.get_secret_value(SecretId=RECEIPT_SECRET)
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": "j",
        "iat": now,
        "exp": now + 60,
        "fid": "f",
        "decision": "ACCEPT",
    }
    return jwt.encode(
        payload | claims,
        version["SecretString"],
        algorithm="HS256",
        headers={"kid": version["VersionId"]},
    )


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"iat": int(time.time()) - 1000, "exp": int(time.time()) - 700}, "RECEIPT_EXPIRED"),
        ({"exp": int(time.time()) + 3600}, "RECEIPT_INVALID"),  # longer than RECEIPT_TTL_SECONDS
        ({"decision": "REJECT"}, "RECEIPT_INVALID"),
        ({}, "RECEIPT_INVALID"),  # well signed, but never issued: the store does not know it
    ],
)
def test_a_receipt_that_is_not_good_reaches_no_oz(oz, deployed, claims, code):
    receipt = forged(deployed, **claims)
    before = oz_calls(oz)
    for status, body, _ in (biometry(receipt), redeem(receipt)):
        assert status == 401
        assert body["error"]["code"] == code
    assert oz_calls(oz) == before


def test_a_receipt_signed_with_another_key_is_invalid(oz, deployed):
    version = deployed.get_secret_value(SecretId=RECEIPT_SECRET)
    answer = accepted()
    claims = jwt.decode(answer["receipt"], options={"verify_signature": False})
    other = jwt.encode(
        claims,
        pysecrets.token_urlsafe(48),
        algorithm="HS256",
        headers={"kid": version["VersionId"]},
    )
    assert redeem(other)[1]["error"]["code"] == "RECEIPT_INVALID"
    assert redeem(answer["receipt"])[0] == 200


def test_receipts_outstanding_across_a_key_rotation_stay_good(oz, deployed):
    arn = deployed.describe_secret(SecretId=RECEIPT_SECRET)["ARN"]
    enable_rotation(deployed, arn)
    # Given a receipt signed with today's key
    old = accepted()
    # When the rotation function runs its four steps
    token = start_rotation(arn)
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rotate({"Step": step, "SecretId": arn, "ClientRequestToken": token})
    stages = deployed.describe_secret(SecretId=RECEIPT_SECRET)["VersionIdsToStages"]
    assert "AWSCURRENT" in stages[token]
    # Then, in a new container that never saw the old key, the old receipt still redeems
    clear_instance_caches()
    assert redeem(old["receipt"])[0] == 200
    # and new receipts name the new key
    new = accepted()
    assert jwt.get_unverified_header(new["receipt"])["kid"] == token
    assert redeem(new["receipt"])[0] == 200


# --- the same container twice --------------------------------------------------------------


def test_the_same_container_twice_gets_the_same_answer_with_one_oz_call(oz):
    capsule = make_capsule(session_token())
    before = oz_calls(oz)
    first, second = liveness(capsule), liveness(capsule)
    assert first[0] == second[0] == 200
    assert first[1] == second[1]
    assert first[1]["receipt"] is not None
    assert oz_calls(oz) - before == 1
    assert redeem(second[1]["receipt"])[0] == 200


def test_a_replayed_answer_brings_the_best_shot_while_the_receipt_is_unused(oz):
    capsule = make_capsule(session_token(), person="alice")
    first = liveness(capsule, "liveness/post_capsule_include_best_shot.json")[1]
    replay = liveness(capsule, "liveness/post_capsule_include_best_shot.json")[1]
    assert base64.b64decode(replay["best_shot"]) == make_face_jpeg("alice")
    assert replay == first


def test_a_not_accepted_answer_is_replayed_too(oz):
    capsule = make_capsule(session_token(), scenario="declined")
    before = oz_calls(oz)
    assert liveness(capsule)[1] == liveness(capsule)[1]
    assert oz_calls(oz) - before == 1


def test_an_error_is_not_replayed(oz):
    capsule = make_capsule(session_token())
    oz.faults.add(FOLDERS, "status", status=500)
    assert liveness(capsule)[0] == 502
    status, body, _ = liveness(capsule)
    assert (status, body["decision"]) == (200, "ACCEPT")


def test_a_duplicate_while_the_first_is_in_flight_is_told_to_retry(oz, deployed):
    capsule = make_capsule(session_token())
    oz.faults.add(FOLDERS, "latency", seconds=1.0)
    outcomes: list[object] = []
    secrets._client()  # boto3's default session is not thread-safe while it builds a client

    def container() -> None:
        try:
            answer = check_liveness.check_capsule(
                capsule,
                subject=None,
                oz=OzCalls.from_settings(OzSettings.from_environment()),
                receipts=ReceiptTokens(SigningKeys(RECEIPT_SECRET, max_age=300), ttl_seconds=300),
                store=ReceiptStore(
                    VERIFICATIONS_TABLE,
                    client=boto3.session.Session().client("dynamodb", region_name="us-east-1"),
                ),
                idempotency=check_liveness.idempotency(),
                context=LambdaContext(),
            )
            outcomes.append(answer.decision.value)
        except RequestInProgress as error:
            outcomes.append((error.code, error.retryable, error.retry_after))

    first = threading.Thread(target=container)
    first.start()
    time.sleep(0.3)
    container()
    first.join(timeout=30)
    assert sorted(outcomes, key=str) == sorted(
        ["ACCEPT", ("REQUEST_IN_PROGRESS", True, 2)], key=str
    )


# --- what the store holds ---------------------------------------------------------------------


def test_the_store_holds_no_capsule_no_reference_photo_and_no_subject(oz):
    capsule = make_capsule(session_token())
    answer = liveness(capsule, "liveness/post_capsule_signed_in.json")[1]
    biometry(answer["receipt"], "bob", subject=SUBJECT)
    text = repr(stored_items())
    for secret in (capsule[:64], make_face_jpeg("bob")[:64], SUBJECT):
        assert repr(secret)[2:-1] not in text
    kinds = Counter(
        key.split("#")[0].rsplit(".", 1)[-1] for key in (i["id"]["S"] for i in stored_items())
    )
    # the receipt, the idempotency record (Powertools' key ends in the function's name), the
    # signed-in user's hourly count (keyed by a hash of the subject, never the subject)
    assert kinds == {"receipt": 1, "once": 1, "quota": 1}

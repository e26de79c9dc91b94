import base64
import hashlib

import jwt
import pytest

from idv.errors import ConfigurationError, ReceiptExpired, ReceiptInvalid
from idv.receipts import AUDIENCE, ISSUER, Receipts, best_shot_digest

KEY = "k" * 64
IMAGE = b"\xff\xd8\xff best shot bytes"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def receipts(key: str = KEY, clock: Clock | None = None, ttl: int = 600) -> Receipts:
    return Receipts(lambda force: key, ttl_seconds=ttl, clock=clock or Clock())


def issue(service: Receipts, decision: str = "ACCEPT", image: bytes = IMAGE) -> str:
    return service.issue(folder_id="f-1", decision=decision, best_shot=image, event_session_id="e")


def test_digest_is_base64url_sha256_without_padding():
    expected = base64.urlsafe_b64encode(hashlib.sha256(IMAGE).digest()).rstrip(b"=").decode()
    assert best_shot_digest(IMAGE) == expected
    assert "=" not in expected


def test_receipt_carries_the_design_claims():
    clock = Clock()
    token = issue(receipts(clock=clock))
    claims = jwt.decode(
        token, KEY, algorithms=["HS256"], audience=AUDIENCE, options={"verify_iat": False}
    )
    assert claims["sub"] == "f-1"
    assert claims["decision"] == "ACCEPT"
    assert claims["bsh"] == best_shot_digest(IMAGE)
    assert claims["esid"] == "e"
    assert claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == 600
    assert len(claims["jti"]) == 32


def test_a_valid_receipt_verifies_for_its_best_shot():
    service = receipts()
    claims = service.verify(issue(service), IMAGE)
    assert claims.folder_id == "f-1"
    assert claims.event_session_id == "e"


def test_another_image_is_refused():
    service = receipts()
    with pytest.raises(ReceiptInvalid, match="best shot"):
        service.verify(issue(service), IMAGE + b"x")


def test_an_expired_receipt_is_refused_as_expired():
    clock = Clock()
    service = receipts(clock=clock, ttl=60)
    token = issue(service)
    with pytest.raises(ReceiptExpired):
        receipts(clock=Clock(clock.now + 3600)).verify(token, IMAGE)


def test_a_receipt_signed_with_another_key_is_refused():
    token = issue(receipts(key="x" * 64))
    with pytest.raises(ReceiptInvalid, match="signature"):
        receipts().verify(token, IMAGE)


def test_a_rotated_key_is_re_read_once():
    calls: list[bool] = []

    def load(force: bool) -> str:
        calls.append(force)
        return KEY if force else "old" * 20

    token = issue(receipts())
    claims = Receipts(load, ttl_seconds=600, clock=Clock()).verify(token, IMAGE)
    assert claims.folder_id == "f-1"
    assert calls == [False, True]


def test_a_receipt_for_a_rejected_check_is_refused():
    service = receipts()
    with pytest.raises(ReceiptInvalid, match="accepted"):
        service.verify(issue(service, decision="REJECT"), IMAGE)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
def test_garbage_and_unsigned_receipts_are_refused(token):
    with pytest.raises(ReceiptInvalid):
        receipts().verify(token, IMAGE)


def test_a_receipt_issued_in_the_future_is_refused():
    token = issue(receipts(clock=Clock(1_800_000_000.0 + 3600)))
    with pytest.raises(ReceiptInvalid, match="not valid yet"):
        receipts().verify(token, IMAGE)


def test_a_receipt_missing_a_claim_is_refused():
    token = jwt.encode({"sub": "f", "decision": "ACCEPT"}, KEY, algorithm="HS256")
    with pytest.raises(ReceiptInvalid):
        receipts().verify(token, IMAGE)


def test_a_short_key_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        issue(receipts(key="short"))

"""Receipts signed and verified with keys from (moto's) Secrets Manager, by version."""

from __future__ import annotations

import base64
import json
import secrets as pysecrets

import jwt
import pytest

from idv.aws import secrets
from idv.errors import ConfigurationError, ReceiptExpired, ReceiptInvalid
from idv.receipts.keys import SigningKeys
from idv.receipts.tokens import AUDIENCE, ISSUER, ReceiptTokens, require_subject

SECRET = "stack/receipt-signing-key"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def key_secret(secretsmanager):
    secretsmanager.create_secret(Name=SECRET, SecretString=pysecrets.token_urlsafe(48))
    return secretsmanager


@pytest.fixture
def reads(key_secret):
    """Every GetSecretValue the code makes (a hook on the real client, nothing replaced)."""
    made: list[dict] = []
    secrets._client().meta.events.register(
        "before-call.secrets-manager.GetSecretValue",
        lambda params, **_: made.append(params["body"]),
    )
    return made


def tokens(clock: Clock | None = None, ttl: int = 300, key_clock: Clock | None = None):
    keys = SigningKeys(SECRET, max_age=300, clock=key_clock or Clock(0))
    return ReceiptTokens(keys, ttl_seconds=ttl, clock=clock or Clock())


def new_receipt(service: ReceiptTokens, subject: str | None = None) -> str:
    claims = service.new_claims(folder_id="folder-1", event_session_id="esid-1", subject=subject)
    return service.sign(claims)


def header_and_claims(receipt: str) -> tuple[dict, dict]:
    head, body, _ = receipt.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=="))  # noqa: E731
    return decode(head), decode(body)


def rotate_key(client) -> str:
    """What finishSecret leaves: a new AWSCURRENT, the old one AWSPREVIOUS."""
    return client.put_secret_value(SecretId=SECRET, SecretString=pysecrets.token_urlsafe(48))[
        "VersionId"
    ]


def test_a_receipt_names_its_key_version_and_carries_the_claims(key_secret):
    clock = Clock()
    receipt = new_receipt(tokens(clock), subject="user-1")
    header, claims = header_and_claims(receipt)
    current = key_secret.get_secret_value(SecretId=SECRET)
    assert header == {"alg": "HS256", "typ": "JWT", "kid": current["VersionId"]}
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == "user-1"
    assert claims["fid"] == "folder-1"
    assert claims["esid"] == "esid-1"
    assert claims["exp"] - claims["iat"] == 300
    assert len(claims["jti"]) == 32


def test_without_a_subject_the_receipt_has_no_sub(key_secret):
    assert "sub" not in header_and_claims(new_receipt(tokens()))[1]


def test_the_same_claims_always_sign_to_the_same_receipt(key_secret):
    service = tokens()
    claims = service.new_claims(folder_id="f", event_session_id=None, subject=None)
    assert service.sign(claims) == service.sign(claims)
    assert tokens().sign(claims) == service.sign(claims)  # another instance, same key


def test_a_valid_receipt_verifies(key_secret):
    service = tokens()
    claims = service.verify(new_receipt(service, subject="user-1"))
    assert (claims.folder_id, claims.event_session_id, claims.subject) == (
        "folder-1",
        "esid-1",
        "user-1",
    )


def test_an_expired_receipt_is_refused_as_expired(key_secret):
    clock = Clock()
    service = tokens(clock)
    receipt = new_receipt(service)
    clock.now += 300 + 6
    with pytest.raises(ReceiptExpired):
        service.verify(receipt)


def test_a_receipt_living_longer_than_this_deployment_issues_is_refused(key_secret):
    # Given a well-signed receipt issued for 900 s by a deployment now set to 300 s
    receipt = new_receipt(tokens(ttl=900))
    with pytest.raises(ReceiptInvalid):
        tokens(ttl=300).verify(receipt)


def test_a_receipt_signed_with_another_key_under_a_real_kid_is_refused(key_secret):
    kid = key_secret.get_secret_value(SecretId=SECRET)["VersionId"]
    forged = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "jti": "x",
            "iat": 1_800_000_000,
            "exp": 1_800_000_100,
            "fid": "f",
            "decision": "ACCEPT",
        },
        "another key of enough length, at least 32 bytes",
        algorithm="HS256",
        headers={"kid": kid},
    )
    with pytest.raises(ReceiptInvalid):
        tokens().verify(forged)


def test_a_receipt_signed_with_the_previous_key_stays_valid(key_secret):
    service = tokens()
    receipt = new_receipt(service)
    rotate_key(key_secret)
    # A fresh instance (no cached key) still verifies it, by its kid, as AWSPREVIOUS.
    assert tokens().verify(receipt).folder_id == "folder-1"


def test_a_key_two_rotations_old_no_longer_verifies(key_secret):
    receipt = new_receipt(tokens())
    rotate_key(key_secret)
    rotate_key(key_secret)
    with pytest.raises(ReceiptInvalid):
        tokens().verify(receipt)


def test_new_receipts_are_signed_with_the_rotated_key_once_the_cache_turns_over(key_secret):
    key_clock = Clock(0)
    service = tokens(key_clock=key_clock)
    old_kid = header_and_claims(new_receipt(service))[0]["kid"]
    new_kid = rotate_key(key_secret)
    assert header_and_claims(new_receipt(service))[0]["kid"] == old_kid  # cached, still valid
    key_clock.now += 301
    assert header_and_claims(new_receipt(service))[0]["kid"] == new_kid


def test_an_unknown_key_version_costs_at_most_one_read_per_30_seconds(key_secret, reads):
    key_clock = Clock(0)
    service = tokens(key_clock=key_clock)
    service.verify(new_receipt(service))
    before = len(reads)
    forged = [
        jwt.encode({"x": i}, "k" * 40, algorithm="HS256", headers={"kid": f"{i:032d}-0000"})
        for i in range(5)
    ]
    for receipt in forged:
        with pytest.raises(ReceiptInvalid):
            service.verify(receipt)
    assert len(reads) - before == 1
    key_clock.now += 30
    with pytest.raises(ReceiptInvalid):
        service.verify(forged[0])
    assert len(reads) - before == 2


def test_a_bad_signature_under_a_known_kid_reads_nothing(key_secret, reads):
    service = tokens()
    receipt = new_receipt(service)
    before = len(reads)
    head, body, signature = receipt.split(".")
    tampered = f"{head}.{body}.{signature[::-1]}"
    for _ in range(3):
        with pytest.raises(ReceiptInvalid):
            service.verify(tampered)
    assert len(reads) == before


@pytest.mark.parametrize(
    "receipt",
    ["", "not-a-jwt", "a.b.c", jwt.encode({"fid": "f"}, key="", algorithm="none")],
)
def test_garbage_and_unsigned_receipts_are_refused(key_secret, receipt):
    with pytest.raises(ReceiptInvalid):
        tokens().verify(receipt)


def test_a_receipt_issued_in_the_future_is_refused(key_secret):
    clock = Clock()
    service = tokens(clock)
    receipt = new_receipt(service)
    clock.now -= 60
    with pytest.raises(ReceiptInvalid):
        service.verify(receipt)


def test_a_bound_receipt_needs_its_subject(key_secret):
    service = tokens()
    claims = service.verify(new_receipt(service, subject="user-1"))
    require_subject(claims, "user-1")
    for other in (None, "user-2"):
        with pytest.raises(ReceiptInvalid):
            require_subject(claims, other)
    unbound = service.verify(new_receipt(service))
    require_subject(unbound, None)
    require_subject(unbound, "anyone")


def test_a_short_key_is_a_configuration_error(secretsmanager):
    secretsmanager.create_secret(Name=SECRET, SecretString="short")
    with pytest.raises(ConfigurationError):
        new_receipt(tokens())


def test_no_key_secret_is_a_configuration_error():
    service = ReceiptTokens(SigningKeys(None, max_age=300), ttl_seconds=300)
    with pytest.raises(ConfigurationError, match="RECEIPT_SECRET_ID"):
        service.new_claims(folder_id="f", event_session_id=None, subject=None)


@pytest.mark.parametrize("subject", ["user-1", None])
def test_a_receipt_is_exactly_what_pyjwt_encode_writes_for_its_claims(key_secret, subject):
    service = tokens()
    claims = service.new_claims(folder_id="folder-1", event_session_id=None, subject=subject)
    receipt = service.sign(claims)
    _, payload = header_and_claims(receipt)
    current = key_secret.get_secret_value(SecretId=SECRET)
    expected = jwt.encode(
        payload, current["SecretString"], algorithm="HS256", headers={"kid": current["VersionId"]}
    )
    assert receipt == expected


def test_receipts_signed_after_a_key_rotation_use_the_new_key(key_secret):
    clock = Clock(0)
    service = tokens(key_clock=clock)
    before = new_receipt(service)
    new_version = rotate_key(key_secret)
    clock.now += 301
    after = new_receipt(service)
    new_key = key_secret.get_secret_value(SecretId=SECRET)["SecretString"]
    assert header_and_claims(after)[0]["kid"] == new_version
    signature_only = {"verify_iat": False, "verify_exp": False, "verify_aud": False}
    jwt.decode(after, new_key, algorithms=["HS256"], options=signature_only)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(before, new_key, algorithms=["HS256"], options=signature_only)


def test_an_empty_signing_key_is_still_refused_by_pyjwt():
    from idv.receipts import tokens as module  # noqa: PLC0415 - the module's signer

    with pytest.raises(jwt.InvalidKeyError):
        module._SIGNER.encode(b"{}", "", algorithm="HS256")

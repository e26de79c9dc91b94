"""Inputs of the measurements: real-shaped events, secrets, and the stand-in's canned answers.

The canned folders are the Oz emulator's own answers to a real container (accepted, and
declined), and a real biometry request, captured once per run, with the accepted best shot
enlarged to 32 KiB (the emulator's face is a ~200-byte image; a real JPEG best shot is tens of
KiB, and the relay decodes it and keeps it in the verification store on every ACCEPT). The
canned Data Zoo answer is the Data Zoo emulator's own answer to the identity-verify event's
request (every source verifies), and the Data Zoo token secret holds a session token it issued,
as the token rotation writes it.

A receipt is good for one use (a face match or a redemption): each biometry or redeem request
gets a receipt of its own, issued as the relay issues one (``ReceiptMint``: the layer's
``ReceiptTokens`` with the signing key's current version read from moto, its record and best
shot put in the verification store with the layer's ``ReceiptStore``).
"""

from __future__ import annotations

import base64
import copy
import json
import random
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import jwt
import requests

from benchmarks.environment import DATAZOO_TOKEN_SECRET, RECEIPT_SECRET, REGION, TOKEN_SECRET
from benchmarks.events import MIB, liveness_event, load_event
from benchmarks.oz_stub import CannedAnswers
from datazoo_emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, DataZooEmulator
from idv.datazoo.client import token_times
from idv.datazoo.token import DataZooToken
from idv.receipts.keys import SigningKey
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptTokens
from oz_emulator import OzEmulator, make_capsule, make_face_jpeg
from stack.aws_emulator import FAKE_CREDENTIALS

IDENTITY_VERIFY_EVENT = "identity_verify/post.json"
ADDRESS_ELEMENTS = 5

BEST_SHOT_BYTES = 32 * 1024


def best_shot_image() -> bytes:
    filler = random.Random(3).randbytes(BEST_SHOT_BYTES - 6)  # noqa: S311 - filler bytes
    return b"\xff\xd8\xff\xe0" + filler + b"\xff\xd9"


def secret_values(datazoo_token_secret: str) -> dict[str, Any]:
    """The secrets moto is seeded with; the Data Zoo token's value comes from the emulator."""
    token = {
        "access_token": "bench-" + secrets.token_urlsafe(24),
        "expire_token": "bench-" + secrets.token_urlsafe(24),
        "user_id": "bench-user",
        "expire_date": None,
        "api_version": "6",
    }
    return {
        TOKEN_SECRET: token,
        RECEIPT_SECRET: secrets.token_urlsafe(48),  # as the receipt key rotation writes one
        DATAZOO_TOKEN_SECRET: datazoo_token_secret,
    }


def aws_client(service: str, endpoint: str) -> Any:
    """A boto3 client of moto, with the credentials the local stack gives everything."""
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **FAKE_CREDENTIALS)


class _CurrentKey:
    """The two things ``ReceiptTokens`` asks its keys for, answered by one known version."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def current(self) -> SigningKey:
        return self.key

    def for_version(self, version_id: str, *, from_receipt: bool = True) -> SigningKey:
        del from_receipt
        if version_id != self.key.version_id:
            raise KeyError(version_id)
        return self.key


class ReceiptMint:
    """Receipts issued as the relay issues them, in moto: signed with the signing key's current
    version (its VersionId as ``kid``), recorded ISSUED with a 32 KiB best shot in the store."""

    def __init__(self, moto_url: str, *, secret_id: str, table: str, ttl_seconds: int) -> None:
        version = aws_client("secretsmanager", moto_url).get_secret_value(
            SecretId=secret_id, VersionStage="AWSCURRENT"
        )
        key = SigningKey(str(version["VersionId"]), str(version["SecretString"]))
        self.tokens = ReceiptTokens(_CurrentKey(key), ttl_seconds=ttl_seconds)  # type: ignore[arg-type]
        self.store = ReceiptStore(table, client=aws_client("dynamodb", moto_url))
        self.best_shot = base64.b64encode(best_shot_image()).decode("ascii")  # as Oz sends it

    def issue(self) -> str:
        claims = self.tokens.new_claims(
            folder_id="bench-folder-" + uuid.uuid4().hex, event_session_id=None, subject=None
        )
        self.store.put_issued(claims, self.best_shot)
        return self.tokens.sign(claims)


def receipt_event(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """``events/<name>`` (a server's JSON POST, IAM-authorized) with ``body``."""
    event = load_event(name)
    event["body"] = json.dumps(body)
    return event


class Events:
    """The first request of each function, made anew for every use: a container never sent
    before for the relay, an unused receipt for biometry and redeem."""

    def __init__(self, mint: ReceiptMint) -> None:
        self.mint = mint
        sample = json.loads(load_event("biometry/post.json")["body"])
        self.reference_photo = sample["reference_photo"]

    def biometry(self) -> dict[str, Any]:
        return receipt_event(
            "biometry/post.json",
            {"receipt": self.mint.issue(), "reference_photo": self.reference_photo},
        )

    def redeem(self, receipt: str | None = None) -> dict[str, Any]:
        return receipt_event("receipts/post_redeem.json", {"receipt": receipt or self.mint.issue()})

    def first_request(self, function: str) -> dict[str, Any]:
        """The success-path request a function answers after a cold start."""
        makers = {
            "SessionTokenFunction": lambda: load_event("session_token/post.json"),
            "CapsuleRelayFunction": lambda: liveness_event(MIB),
            "BiometryFunction": self.biometry,
            "HealthFunction": lambda: load_event("health/get_deep.json"),
            "IdentityVerifyFunction": lambda: load_event(IDENTITY_VERIFY_EVENT),
            "RedeemReceiptFunction": self.redeem,
        }
        return makers[function]()


def write_event(path: Path, event: dict[str, Any]) -> Path:
    path.write_text(json.dumps(event))
    return path


@dataclass(frozen=True)
class DataZooRecording:
    token_secret: str  # the Data Zoo token secret's value, as the rotation writes it
    verify_answer: bytes  # the emulator's answer to the identity-verify event's request


def datazoo_verify_body(request: dict[str, Any]) -> dict[str, Any]:
    """The ``POST /verify`` body the function sends for the API request ``request`` (Data Zoo's
    field names, ``idv.datazoo.client.KycQuery.to_json``)."""
    services = list(request["services"])
    body: dict[str, Any] = {
        "countryCode": request["country_code"],
        "service": services,
        "clientReference": request["client_reference"],
        "firstName": request["first_name"],
        "lastName": request["last_name"],
        "dateOfBirth": request["date_of_birth"],
    }
    for field, name in (("middle_name", "middleName"), ("gender", "gender")):
        if request.get(field):
            body[name] = request[field]
    for number in range(1, ADDRESS_ELEMENTS + 1):
        if request.get(f"address_element{number}"):
            body[f"addressElement{number}"] = request[f"address_element{number}"]
    if request.get("identity_variables"):
        body["identityVariables"] = dict(request["identity_variables"])
    consent = request.get("consent_obtained") or {}
    body["consentObtained"] = {name: consent.get(name) is True for name in services}
    return body


def datazoo_recording(datazoo: DataZooEmulator) -> DataZooRecording:
    """A session token from the Data Zoo emulator, and its answer to the identity-verify
    event's request made with it."""
    session = requests.Session()
    answer = session.post(
        f"{datazoo.api_url}/auth/sign_in",
        json={"data": {"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}},
        timeout=10,
    )
    answer.raise_for_status()
    token = answer.json()["sessionToken"]
    issued_at, expires_at = token_times(token)
    request = json.loads(load_event(IDENTITY_VERIFY_EVENT)["body"])
    answer = session.post(
        f"{datazoo.api_url}/verify",
        json=datazoo_verify_body(request),
        headers={"Authorization": token, "Accept": "application/json"},
        timeout=10,
    )
    answer.raise_for_status()
    match = answer.json().get("matchStatus")
    if match != "Match":
        raise RuntimeError(f"the Data Zoo emulator answered the event with {match!r}, not Match")
    return DataZooRecording(
        token_secret=DataZooToken(token, expires_at, issued_at).to_secret(),
        verify_answer=answer.content,
    )


def canned_answers(oz: OzEmulator, datazoo_verify: bytes) -> CannedAnswers:
    """The emulator's answers to two real containers (accepted, declined) and one biometry
    request; Data Zoo's answer to one verify request (``datazoo_recording``)."""
    session = requests.Session()
    token = session.get(f"{oz.url}/api/authorize/session_token", timeout=10).json()
    capsule = make_capsule(token["session_token"], scenario="success")
    answer = session.post(
        f"{oz.url}/api/instant/folders/",
        data=capsule,
        headers={"Content-Type": "application/octet-stream"},
        timeout=10,
    )
    answer.raise_for_status()
    liveness = _with_large_best_shot(answer.json())
    token = session.get(f"{oz.url}/api/authorize/session_token", timeout=10).json()
    answer = session.post(
        f"{oz.url}/api/instant/folders/",
        data=make_capsule(token["session_token"], scenario="declined"),
        headers={"Content-Type": "application/octet-stream"},
        timeout=10,
    )
    answer.raise_for_status()
    declined = answer.content
    selfie, reference = make_face_jpeg("subject", shot="a"), make_face_jpeg("subject", shot="b")
    payload = {
        "media:tags": {"best_shot.jpg": ["photo_selfie"], "reference.jpg": ["photo_id"]},
        "analyses": [{"type": "biometry"}],
    }
    answer = session.post(
        f"{oz.url}/api/instant/folders/",
        files={
            "best_shot.jpg": ("best_shot.jpg", selfie, "image/jpeg"),
            "reference.jpg": ("reference.jpg", reference, "image/jpeg"),
            "payload": (None, json.dumps(payload), "application/json"),
        },
        timeout=10,
    )
    answer.raise_for_status()
    claims = {"iss": "oz-emulator", "aud": "ozcapsula", "exp": int(time.time()) + 3600}
    session_token = jwt.encode(claims, secrets.token_bytes(32), algorithm="HS256")
    version = session.get(f"{oz.url}/api/version", timeout=10)
    return CannedAnswers(
        liveness_folder=json.dumps(liveness).encode(),
        reject_folder=declined,
        biometry_folder=answer.content,
        session_token=json.dumps({"session_token": session_token}).encode(),
        version=version.content,
        datazoo_verify=datazoo_verify,
    )


def _with_large_best_shot(folder: dict[str, Any]) -> dict[str, Any]:
    folder = copy.deepcopy(folder)
    data_url = "data:image/jpeg;base64," + base64.b64encode(best_shot_image()).decode("ascii")
    replaced = False
    for analysis in folder.get("analyses", []):
        for result in analysis.get("results_media", []):
            for image in result.get("output_images", []):
                image["original_url"] = data_url
                replaced = True
    if not replaced:
        raise RuntimeError("the emulator's folder has no best shot to enlarge")
    return folder

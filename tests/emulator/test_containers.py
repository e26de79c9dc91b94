"""OzCapsula containers on ``POST /api/instant/folders/``: scenarios and codes 3, 4, 5, 13, 14."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from oz_emulator import make_capsule, make_face_jpeg
from oz_emulator.capsule import Media, capsule_header, pack_capsule, pack_payload
from oz_emulator.session_tokens import AUDIENCE, ISSUER

from .oz_http import Oz, StartEmulator, assert_oz_error

MiB = 1024 * 1024


def reseal(capsule: bytes) -> bytes:
    """Recompute the trailing checksum, as a tamperer who knows the format would."""
    body = capsule[:-32]
    return body + hashlib.sha256(body).digest()


def best_shot_of(folder: dict[str, Any]) -> bytes:
    url = folder["analyses"][0]["results_media"][0]["output_images"][0]["original_url"]
    prefix = "data:image/jpeg;base64,"
    assert url.startswith(prefix)
    return base64.b64decode(url[len(prefix) :])


# --- scenarios ------------------------------------------------------------------------------


def test_success_scenario_is_a_finished_successful_folder(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service), person="alice", event_session_id="esid-42")

    response = oz.post_capsule(capsule, service)

    assert response.status_code == 201
    folder = response.json()
    assert folder["folder_id"]
    assert folder["resolution_status"] == "FINISHED"
    assert folder["system_resolution"] == "SUCCESS"
    assert folder["resolution_comment"] == "[]"
    assert folder["meta_data"] == {"event_session_id": "esid-42"}
    assert [m["tags"] for m in folder["media"]] == [
        ["video_selfie", "video_selfie_blank", "orientation_portrait"]
    ]
    [quality] = folder["analyses"]
    assert quality["type"] == "QUALITY"
    assert quality["state"] == "FINISHED"
    assert quality["resolution_status"] == "SUCCESS"
    assert quality["error_code"] is None
    assert quality["results_media"][0]["results_data"]["confidence_spoofing"] < 0.5
    assert quality["source_media"][0]["media_id"] == folder["media"][0]["media_id"]


def test_best_shot_is_the_image_carried_in_the_container(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service), person="alice")

    folder = oz.post_capsule(capsule, service).json()

    assert best_shot_of(folder) == make_face_jpeg("alice")


def test_folder_carries_fields_clients_must_ignore(oz: Oz, service: str) -> None:
    folder = oz.post_capsule(make_capsule(oz.session_token(service)), service).json()

    quality = folder["analyses"][0]
    assert {"is_cleared", "operator_comment", "time_created"} <= set(folder)
    assert {"group_id", "analyse_id", "process_time"} <= set(quality)
    assert "media_association_id" in quality["results_media"][0]
    assert "media_association_id" in quality["results_media"][0]["output_images"][0]


def test_declined_scenario(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service), scenario="declined")

    response = oz.post_capsule(capsule, service)

    assert response.status_code == 201
    folder = response.json()
    assert folder["resolution_status"] == "FINISHED"
    assert folder["system_resolution"] == "DECLINED"
    assert folder["resolution_comment"] == "[]"
    quality = folder["analyses"][0]
    assert quality["state"] == "FINISHED"
    assert quality["resolution_status"] == "DECLINED"
    assert quality["results_media"][0]["results_data"]["confidence_spoofing"] > 0.5


def test_failed_scenario(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service), scenario="failed")

    response = oz.post_capsule(capsule, service)

    assert response.status_code == 201
    folder = response.json()
    assert folder["resolution_status"] == "FAILED"
    assert folder["system_resolution"] == "FAILED"
    quality = folder["analyses"][0]
    assert quality["state"] == "FAILED"
    assert quality["resolution_status"] == "FAILED"
    assert isinstance(quality["error_code"], int)
    assert quality["error_message"]
    failures = json.loads(folder["resolution_comment"])
    assert failures == [
        {
            "analyse_id": quality["analyse_id"],
            "type": "QUALITY",
            "error_code": quality["error_code"],
        }
    ]


def test_operator_required_scenario(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service), scenario="operator_required")

    folder = oz.post_capsule(capsule, service).json()

    assert folder["resolution_status"] == "FINISHED"
    assert folder["system_resolution"] == "OPERATOR_REQUIRED"
    assert folder["analyses"][0]["resolution_status"] == "OPERATOR_REQUIRED"


def test_large_binary_container_is_accepted_and_recorded_byte_for_byte(
    oz: Oz, service: str
) -> None:
    capsule = make_capsule(oz.session_token(service), size=4 * MiB)
    assert len(capsule) == 4 * MiB
    assert b"\x00" in capsule
    assert b"\xff" in capsule[100:]

    assert oz.post_capsule(capsule, service).status_code == 201

    record = oz.emulator.requests[-1]
    assert record.raw_body == capsule
    assert record.body_length == 4 * MiB
    assert record.body_sha256 == hashlib.sha256(capsule).hexdigest()


def test_instant_deployment_without_auth_takes_containers(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(require_auth=False))

    response = oz.post_capsule(make_capsule(oz.session_token(None)), None)

    assert response.status_code == 201


def test_analysis_delay_slows_the_answer(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(require_auth=False, analysis_delay=0.2))
    capsule = make_capsule(oz.session_token(None))

    started = time.monotonic()
    assert oz.post_capsule(capsule, None).status_code == 201
    assert time.monotonic() - started >= 0.2


def test_user_without_quality_permission_is_403(oz: Oz, admin: str) -> None:
    oz.create_user(admin, "person@example.com", {"can_start_analyse_biometry": True})
    token = oz.sign_in("person@example.com", "pw-123456")["access_token"]

    response = oz.post_capsule(make_capsule(oz.session_token(token)), token)

    assert_oz_error(response, 403, 9)


def test_concurrent_replays_let_exactly_one_container_through(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service))

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: oz.post_capsule(capsule, service).status_code, range(8)))

    assert sorted(statuses) == [201] + [400] * 7


# --- code 13: no container -------------------------------------------------------------------


def test_empty_body_is_code_13(oz: Oz, service: str) -> None:
    body = assert_oz_error(oz.post_capsule(b"", service), 400, 13)

    assert body["error_message"] == "Invalid request data"


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded", None]
)
def test_wrong_content_type_is_code_13(oz: Oz, service: str, content_type: str | None) -> None:
    capsule = make_capsule(oz.session_token(service))

    assert_oz_error(oz.post_capsule(capsule, service, content_type), 400, 13)


def test_wrong_content_type_does_not_spend_the_session_token(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service))
    oz.post_capsule(capsule, service, "application/json")

    assert oz.post_capsule(capsule, service).status_code == 201


# --- code 14: invalid container, before unpacking --------------------------------------------


def test_not_an_emulator_container_is_code_14(oz: Oz, service: str) -> None:
    response = oz.post_capsule(b"PK\x03\x04" + bytes(200), service)

    body = assert_oz_error(response, 400, 14)
    assert body["error_message"] == "Invalid request data"
    assert body["details"] is None  # like Oz, the cause is only in the server's log


def test_unsupported_format_version_is_code_14(oz: Oz, service: str) -> None:
    capsule = bytearray(make_capsule(oz.session_token(service)))
    capsule[8] = 2

    assert_oz_error(oz.post_capsule(reseal(bytes(capsule)), service), 400, 14)


def test_tampered_container_is_code_14(oz: Oz, service: str) -> None:
    capsule = bytearray(make_capsule(oz.session_token(service), size=4096))
    capsule[3000] ^= 0x01  # inside the padding, with a valid checksum recomputed

    assert_oz_error(oz.post_capsule(reseal(bytes(capsule)), service), 400, 14)
    assert oz.emulator.requests[-1].reason == "signature mismatch"


def test_container_without_session_token_is_code_14(oz: Oz, service: str) -> None:
    assert_oz_error(oz.post_capsule(make_capsule(None), service), 400, 14)
    assert oz.emulator.requests[-1].reason == "session token missing"


def test_container_with_a_token_that_is_not_a_jwt_is_code_14(oz: Oz, service: str) -> None:
    assert_oz_error(oz.post_capsule(make_capsule("not-a-jwt"), service), 400, 14)


def test_forged_session_token_is_code_14(oz: Oz, service: str) -> None:
    real = jwt.decode(oz.session_token(service), options={"verify_signature": False})
    forged = jwt.encode(
        {**real, "jti": "forged", "iss": ISSUER, "aud": AUDIENCE},
        ec.generate_private_key(ec.SECP384R1()),
        algorithm="ES384",
    )

    assert_oz_error(oz.post_capsule(make_capsule(forged), service), 400, 14)
    assert oz.emulator.requests[-1].reason == "session token invalid (InvalidSignatureError)"


def test_session_token_of_another_emulator_is_code_14(
    oz: Oz, service: str, start_emulator: StartEmulator
) -> None:
    other = Oz(start_emulator(require_auth=False))

    response = oz.post_capsule(make_capsule(other.session_token(None)), service)

    assert_oz_error(response, 400, 14)


# --- code 5: damaged -------------------------------------------------------------------------


def test_flipped_byte_is_code_5(oz: Oz, service: str) -> None:
    capsule = bytearray(make_capsule(oz.session_token(service), size=4096))
    capsule[2000] ^= 0xFF

    assert_oz_error(oz.post_capsule(bytes(capsule), service), 400, 5)


@pytest.mark.parametrize("keep", [9, 60, -1])
def test_truncated_container_is_code_5(oz: Oz, service: str, keep: int) -> None:
    capsule = make_capsule(oz.session_token(service))

    assert_oz_error(oz.post_capsule(capsule[:keep], service), 400, 5)


def test_damaged_container_does_not_spend_the_session_token(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service))
    assert_oz_error(oz.post_capsule(capsule[:-1], service), 400, 5)

    assert oz.post_capsule(capsule, service).status_code == 201


def test_damaged_media_table_is_code_5(oz: Oz, service: str) -> None:
    token = oz.session_token(service)
    header = capsule_header(token, scenario="success", event_session_id="e")
    payload = b"\x00\x03" + b"\x00\x04abcd"  # three media promised, one broken entry

    response = oz.post_capsule(pack_capsule(header, payload, signing_key=token), service)

    assert_oz_error(response, 400, 5)


def test_unknown_scenario_is_code_5(oz: Oz, service: str) -> None:
    token = oz.session_token(service)
    header = capsule_header(token, scenario="explode", event_session_id="e")
    payload = pack_payload([Media("best_shot.jpg", ("video_selfie",), make_face_jpeg("alice"))])

    response = oz.post_capsule(pack_capsule(header, payload, signing_key=token), service)

    assert_oz_error(response, 400, 5)


# --- codes 3 and 4: payload and media --------------------------------------------------------


def test_header_without_payload_is_code_3(oz: Oz, service: str) -> None:
    token = oz.session_token(service)
    header = capsule_header(token, scenario="success", event_session_id="e")

    response = oz.post_capsule(pack_capsule(header, b"", signing_key=token), service)

    assert_oz_error(response, 400, 3)


def test_container_without_media_is_code_4(oz: Oz, service: str) -> None:
    token = oz.session_token(service)

    response = oz.post_capsule(make_capsule(token, media=[], size=1000), service)

    assert_oz_error(response, 400, 4)


def test_container_that_passed_the_token_check_spends_it(oz: Oz, service: str) -> None:
    token = oz.session_token(service)
    assert_oz_error(oz.post_capsule(make_capsule(token, media=[]), service), 400, 4)

    assert_oz_error(oz.post_capsule(make_capsule(token), service), 400, 14)

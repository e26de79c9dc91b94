"""Multipart biometry on ``POST /api/instant/folders/``: faces, naming rules, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from oz_emulator import make_face_jpeg, make_face_png

from .oz_http import Oz, assert_oz_error

SELFIE = {"best_shot.jpg": ["photo_selfie"]}
DOCUMENT = {"reference.jpg": ["photo_id", "photo_id_front"]}
TAGS = {**SELFIE, **DOCUMENT}


def images(selfie: str | None, reference: str | None) -> dict[str, bytes]:
    return {"best_shot.jpg": make_face_jpeg(selfie), "reference.jpg": make_face_jpeg(reference)}


def biometry(folder: dict[str, Any]) -> dict[str, Any]:
    [analysis] = folder["analyses"]
    assert analysis["type"] == "BIOMETRY"
    analysis_: dict[str, Any] = analysis
    return analysis_


def image_parts() -> dict[str, Any]:
    """Two good image parts for ``requests``' ``files=``, without a payload part."""
    return {name: (name, data, "image/jpeg") for name, data in images("a", "a").items()}


def test_same_person_matches(oz: Oz, service: str) -> None:
    response = oz.post_biometry(service, images("alice", "alice"), TAGS)

    assert response.status_code == 201
    folder = response.json()
    assert folder["resolution_status"] == "FINISHED"
    assert folder["system_resolution"] == "SUCCESS"
    analysis = biometry(folder)
    assert analysis["state"] == "FINISHED"
    assert analysis["resolution_status"] == "SUCCESS"
    scores = [item["results_data"]["min_confidence"] for item in analysis["results_media"]]
    assert scores == [0.97, 0.97]
    assert sorted(m["original_name"] for m in folder["media"]) == sorted(TAGS)


def test_two_shots_of_one_person_match(oz: Oz, service: str) -> None:
    shots = {
        "best_shot.jpg": make_face_jpeg("alice", shot="1"),
        "reference.jpg": make_face_jpeg("alice", shot="2"),
    }

    assert oz.post_biometry(service, shots, TAGS).json()["system_resolution"] == "SUCCESS"


def test_different_people_do_not_match(oz: Oz, service: str) -> None:
    folder = oz.post_biometry(service, images("alice", "bob"), TAGS).json()

    assert folder["resolution_status"] == "FINISHED"
    assert folder["system_resolution"] == "DECLINED"
    analysis = biometry(folder)
    assert analysis["resolution_status"] == "DECLINED"
    for item in analysis["results_media"]:
        assert 0.05 <= item["results_data"]["min_confidence"] < 0.15


def test_similarity_is_deterministic(oz: Oz, service: str) -> None:
    first = oz.post_biometry(service, images("alice", "bob"), TAGS).json()
    second = oz.post_biometry(service, images("bob", "alice"), TAGS).json()

    assert biometry(first)["results_data"] == biometry(second)["results_data"]


def test_least_similar_pair_decides(oz: Oz, service: str) -> None:
    three = {**images("alice", "alice"), "extra.jpg": make_face_jpeg("carol")}

    folder = oz.post_biometry(service, three, {**TAGS, "extra.jpg": ["photo_id_back"]}).json()

    assert folder["system_resolution"] == "DECLINED"
    assert biometry(folder)["results_data"]["min_confidence"] < 0.15
    assert biometry(folder)["results_data"]["max_confidence"] == 0.97


def test_png_faces_are_read(oz: Oz, service: str) -> None:
    pair = {"best_shot.jpg": make_face_jpeg("alice"), "reference.png": make_face_png("alice")}

    response = oz.post_biometry(service, pair, {**SELFIE, "reference.png": ["photo_id"]})

    assert response.json()["system_resolution"] == "SUCCESS"


def test_image_without_a_face_fails_the_folder(oz: Oz, service: str) -> None:
    response = oz.post_biometry(service, images("alice", None), TAGS)

    assert response.status_code == 201
    folder = response.json()
    assert folder["resolution_status"] == "FAILED"
    assert folder["system_resolution"] == "FAILED"
    analysis = biometry(folder)
    assert analysis["state"] == "FAILED"
    assert analysis["resolution_status"] == "FAILED"
    assert isinstance(analysis["error_code"], int)
    assert "reference.jpg" in analysis["error_message"]
    assert json.loads(folder["resolution_comment"])[0]["type"] == "BIOMETRY"


def test_folder_meta_data_is_kept(oz: Oz, service: str) -> None:
    response = oz.post_biometry(
        service, images("a", "a"), TAGS, extra={"folder:meta_data": {"case": "c-1"}}
    )

    assert response.json()["meta_data"] == {"case": "c-1"}


def test_parts_are_recorded_with_names_and_filenames(oz: Oz, service: str) -> None:
    oz.post_biometry(service, images("a", "a"), TAGS)

    parts = {part.name: part for part in oz.emulator.requests[-1].parts}
    assert parts["best_shot.jpg"].filename == "best_shot.jpg"
    assert parts["payload"].filename is None


def test_user_without_biometry_permission_is_403(oz: Oz, admin: str) -> None:
    oz.create_user(admin, "person@example.com", {"can_start_analysis_quality": True})
    token = oz.sign_in("person@example.com", "pw-123456")["access_token"]

    assert_oz_error(oz.post_biometry(token, images("a", "a"), TAGS), 403, 9)


# --- naming and payload rules ----------------------------------------------------------------


def test_part_name_must_equal_filename(oz: Oz, service: str) -> None:
    files = {
        "best_shot.jpg": ("selfie.jpg", make_face_jpeg("a"), "image/jpeg"),
        "reference.jpg": ("reference.jpg", make_face_jpeg("a"), "image/jpeg"),
        "payload": (None, json.dumps({"media:tags": TAGS, "analyses": [{"type": "biometry"}]})),
    }

    response = oz.call("POST", "/api/instant/folders/", service, files=files)

    body = assert_oz_error(response, 400, 4)
    assert "selfie.jpg" in body["error_message"]


def test_file_part_missing_from_media_tags_is_refused(oz: Oz, service: str) -> None:
    response = oz.post_biometry(
        service, {**images("a", "a"), "extra.jpg": make_face_jpeg("a")}, TAGS
    )

    assert_oz_error(response, 400, 4)


def test_media_tags_naming_a_missing_part_is_refused(oz: Oz, service: str) -> None:
    response = oz.post_biometry(service, images("a", "a"), {**TAGS, "ghost.jpg": ["photo_id"]})

    assert_oz_error(response, 400, 4)


@pytest.mark.parametrize("tags", [["selfie"], [], "photo_selfie", [1]])
def test_invalid_tags_are_refused(oz: Oz, service: str, tags: Any) -> None:
    response = oz.post_biometry(
        service,
        images("a", "a"),
        {"best_shot.jpg": tags, **DOCUMENT},
    )

    assert_oz_error(response, 400, 4)


def test_one_image_is_not_enough(oz: Oz, service: str) -> None:
    response = oz.post_biometry(service, {"best_shot.jpg": make_face_jpeg("a")}, SELFIE)

    assert_oz_error(response, 400, 4)


def test_uppercase_analysis_type_is_refused(oz: Oz, service: str) -> None:
    response = oz.post_biometry(service, images("a", "a"), TAGS, analyses=[{"type": "BIOMETRY"}])

    body = assert_oz_error(response, 400, 4)
    assert "lowercase" in body["error_message"]


def test_unknown_analysis_type_is_refused(oz: Oz, service: str) -> None:
    response = oz.post_biometry(service, images("a", "a"), TAGS, analyses=[{"type": "magic"}])

    assert_oz_error(response, 400, 4)


def test_other_analyses_are_not_emulated(oz: Oz, service: str) -> None:
    response = oz.post_biometry(service, images("a", "a"), TAGS, analyses=[{"type": "quality"}])

    assert_oz_error(response, 501, 2)


def test_missing_payload_part_is_code_3(oz: Oz, service: str) -> None:
    files = image_parts()

    response = oz.call("POST", "/api/instant/folders/", service, files=files)

    assert_oz_error(response, 400, 3)


def test_payload_sent_as_a_file_is_code_3(oz: Oz, service: str) -> None:
    files = image_parts()
    payload = json.dumps({"media:tags": TAGS, "analyses": [{"type": "biometry"}]})
    files["payload"] = ("payload", payload.encode(), "application/json")

    response = oz.call("POST", "/api/instant/folders/", service, files=files)

    body = assert_oz_error(response, 400, 3)
    assert "text part" in body["error_message"]


def test_payload_that_is_not_json_is_code_3(oz: Oz, service: str) -> None:
    files = image_parts()
    files["payload"] = (None, b"{media:tags}", "application/json")

    assert_oz_error(oz.call("POST", "/api/instant/folders/", service, files=files), 400, 3)


def test_payload_without_media_tags_is_code_3(oz: Oz, service: str) -> None:
    files = image_parts()
    files["payload"] = (None, json.dumps({"analyses": [{"type": "biometry"}]}))

    response = oz.call("POST", "/api/instant/folders/", service, files=files)

    body = assert_oz_error(response, 400, 3)
    assert body["error_message"] == (
        "Could not locate field for key_path media:tags from provided dict data"
    )


def test_file_that_is_not_an_image_is_code_5(oz: Oz, service: str) -> None:
    files = {"best_shot.jpg": b"%PDF-1.4 not an image", "reference.jpg": make_face_jpeg("a")}

    assert_oz_error(oz.post_biometry(service, files, TAGS), 400, 5)


def test_more_than_ten_files_are_refused(oz: Oz, service: str) -> None:
    many = {f"face{i}.jpg": make_face_jpeg("a", shot=str(i)) for i in range(11)}

    response = oz.post_biometry(service, many, {name: ["photo_selfie"] for name in many})

    body = assert_oz_error(response, 400, 4)
    assert "At most 10 files" in body["error_message"]


def test_unexpected_text_part_is_code_3(oz: Oz, service: str) -> None:
    files = image_parts()
    files["payload"] = (None, json.dumps({"media:tags": TAGS, "analyses": [{"type": "biometry"}]}))
    files["note"] = (None, "hello")

    assert_oz_error(oz.call("POST", "/api/instant/folders/", service, files=files), 400, 3)

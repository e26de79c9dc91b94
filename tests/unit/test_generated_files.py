"""Committed generated files must match what their generators produce now."""

import json
from pathlib import Path

import generate_events
import generate_openapi

from support import ROOT


def test_committed_openapi_document_is_current():
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert committed == generate_openapi.render(), "docs/openapi.json is stale: run `make openapi`"


def test_openapi_document_lists_every_route_of_the_design():
    paths = json.loads((ROOT / "docs" / "openapi.json").read_text())["paths"]
    assert {(path, method) for path, item in paths.items() for method in item} == {
        ("/v1/session-token", "post"),
        ("/v1/liveness", "post"),
        ("/v1/liveness/uploads", "post"),
        ("/v1/liveness/uploads/{upload_id}/check", "post"),
        ("/v1/biometry", "post"),
        ("/v1/health", "get"),
        ("/v1/health/deep", "get"),
        ("/v1/identity/verify", "post"),
        ("/v1/receipts/redeem", "post"),
    }
    liveness = paths["/v1/liveness"]["post"]
    assert "application/octet-stream" in liveness["requestBody"]["content"]
    assert set(liveness["responses"]) >= {"200", "400", "409", "413", "415", "502", "503", "504"}
    upload = paths["/v1/liveness/uploads"]["post"]["responses"]["201"]
    assert upload["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UploadResponse"
    }
    check = paths["/v1/liveness/uploads/{upload_id}/check"]["post"]
    assert "requestBody" not in check
    assert [p["name"] for p in check["parameters"] if p["in"] == "path"] == ["upload_id"]
    assert set(check["responses"]) >= {"200", "404", "409", "413", "415", "429", "502", "504"}
    schemas = json.loads((ROOT / "docs" / "openapi.json").read_text())["components"]["schemas"]
    assert set(schemas["UploadResponse"]["properties"]) == {
        "upload_id",
        "url",
        "fields",
        "expires_at",
        "max_bytes",
    }
    assert set(schemas["LivenessResponse"]["properties"]) == {
        "decision",
        "folder_id",
        "event_session_id",
        "receipt",
        "receipt_expires_at",
        "best_shot",
    }
    assert set(schemas["BiometryRequest"]["properties"]) == {
        "receipt",
        "reference_photo",
        "subject",
    }


def test_committed_events_are_what_sam_generates(tmp_path: Path):
    generate_events.main(tmp_path)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    committed = sorted(
        p.relative_to(ROOT / "events")
        for p in (ROOT / "events").rglob("*.json")
        if p.parent != ROOT / "events"  # env files and rotation events live beside them
    )
    assert generated == [c for c in committed if c in generated]
    for name in generated:
        assert json.loads((tmp_path / name).read_text()) == json.loads(
            (ROOT / "events" / name).read_text()
        ), f"events/{name} is stale: run `make events`"


def test_every_documented_error_is_the_envelope():
    # Every route answers its errors in the design's envelope; the document must say so (a
    # framework default such as {"detail": [...]} for 422 would be a lie schemathesis accepts).
    paths = json.loads((ROOT / "docs" / "openapi.json").read_text())["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) < 400 or (path, status) in {
                    ("/v1/health", "503"),
                    ("/v1/health/deep", "503"),
                }:
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (
                    method,
                    path,
                    status,
                )

"""The Oz client against the emulator over real HTTP on loopback."""

from __future__ import annotations

import base64
import socket
import time

import pytest

from idv.errors import (
    ContainerRejected,
    InvalidContainer,
    OzAuthRejected,
    UpstreamError,
    UpstreamRequestRefused,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from idv.oz.best_shot import extract_best_shot
from idv.oz.client import OzApi
from idv.oz.decisions import LivenessDecision, liveness_decision
from idv.oz.folders import BIOMETRY
from oz_emulator import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, OzEmulator, make_capsule
from oz_emulator.capsule.build import capsule_header
from oz_emulator.capsule.format import pack_capsule
from oz_emulator.faces import make_face_jpeg
from tools.oz_admin import OzAdmin

# --- authentication and service accounts ------------------------------------------------


def test_authorize_returns_a_token_pair(api):
    tokens = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    assert tokens.access_token
    assert tokens.expire_token
    assert tokens.user_id
    assert tokens.access_token not in repr(tokens)


def test_wrong_password_is_an_auth_rejection(api):
    with pytest.raises(OzAuthRejected):
        api.authorize(DEFAULT_ADMIN_EMAIL, "wrong")


def test_refresh_gives_a_new_pair_and_the_old_dies_at_first_use_of_the_new(api, service_user):
    old = service_user.access_token
    new = api.refresh(old, service_user.expire_token)
    assert new.access_token != old
    # The old pair still works until the new one is used.
    assert api.get_user(service_user.user_id, access_token=old).user_id == service_user.user_id
    api.get_user(service_user.user_id, access_token=new.access_token)
    with pytest.raises(OzAuthRejected) as raised:
        api.get_user(service_user.user_id, access_token=old)
    assert raised.value.oz_error_code == 7


def test_refresh_with_a_foreign_expire_token_is_refused(api, service_user):
    admin = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    with pytest.raises(OzAuthRejected):
        api.refresh(service_user.access_token, admin.expire_token)


def test_create_company_and_api6_service_user(api):
    admin = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD).access_token
    company = api.create_company("Acme", access_token=admin)
    assert company.company_id
    assert company.name == "Acme"
    user = api.create_user(
        "svc@acme.example",
        "pw-123456",
        api_version=6,
        access_token=admin,
        company_id=company.company_id,
    )
    assert user.user_type == "CLIENT_SERVICE"
    assert user.is_service
    grant = api.issue_service_token(user.user_id, api_version=6, access_token=admin)
    assert grant.access_token
    assert api.get_user(user.user_id, access_token=grant.access_token).user_id == user.user_id


def test_api5_service_user_and_token_path():
    with OzEmulator(api_version=5) as oz5:
        api = OzAdmin(oz5.url, connect_timeout=1, read_timeout=5)
        admin = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD).access_token
        user = api.create_user("svc5@example.com", "pw-123456", api_version=5, access_token=admin)
        assert user.user_type == "CLIENT"
        assert user.is_service
        grant = api.issue_service_token(None, api_version=5, access_token=admin)
        assert grant.access_token
        paths = [r.path for r in oz5.requests]
        assert "/api/authorize/service_token" in paths


def test_api6_user_shape_is_refused_by_an_api5_server():
    with OzEmulator(api_version=5) as oz5:
        api = OzAdmin(oz5.url, connect_timeout=1, read_timeout=5)
        admin = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD).access_token
        with pytest.raises(UpstreamRequestRefused):
            api.create_user("svc@example.com", "pw-123456", api_version=6, access_token=admin)


def test_api6_service_token_needs_a_user_id(api):
    with pytest.raises(ValueError, match="user_id"):
        api.issue_service_token(None, api_version=6, access_token="x")


# --- session tokens and containers ------------------------------------------------------


def test_session_token_is_fetched_with_the_service_token(api, oz, service_user):
    token = api.get_session_token(access_token=service_user.access_token)
    assert token.count(".") == 2
    request = oz.requests[-1]
    assert (request.method, request.path) == ("GET", "/api/authorize/session_token")


@pytest.mark.parametrize(
    ("scenario", "decision"),
    [
        ("success", LivenessDecision.ACCEPT),
        ("declined", LivenessDecision.REJECT),
        ("failed", LivenessDecision.INCONCLUSIVE),
        ("operator_required", LivenessDecision.REJECT),
    ],
)
def test_capsule_scenarios_map_to_decisions(api, service_user, scenario, decision):
    token = service_user.access_token
    capsule = make_capsule(api.get_session_token(access_token=token), scenario=scenario)
    folder = api.analyze_capsule(capsule, access_token=token)
    assert liveness_decision(folder) is decision
    assert folder.event_session_id


def test_capsule_reaches_oz_byte_for_byte(api, oz, service_user):
    token = service_user.access_token
    capsule = make_capsule(api.get_session_token(access_token=token), size=64 * 1024)
    assert b"\x00" in capsule
    assert b"\xff" in capsule
    folder = api.analyze_capsule(capsule, access_token=token)
    recorded = oz.requests[-1]
    assert recorded.raw_body == capsule
    assert recorded.headers["Content-Type"] == "application/octet-stream"
    assert base64.b64decode(extract_best_shot(folder) or "") == make_face_jpeg("subject")


def test_replayed_capsule_is_rejected_with_code_14(api, service_user):
    token = service_user.access_token
    capsule = make_capsule(api.get_session_token(access_token=token))
    api.analyze_capsule(capsule, access_token=token)
    with pytest.raises(ContainerRejected) as raised:
        api.analyze_capsule(capsule, access_token=token)
    assert raised.value.oz_error_code == 14


def _damaged(capsule: bytes) -> bytes:
    middle = len(capsule) // 2
    return capsule[:middle] + bytes([capsule[middle] ^ 0xFF]) + capsule[middle + 1 :]


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda st: b"", 13),
        (
            lambda st: pack_capsule(
                capsule_header(st, scenario="success", event_session_id="e"), b"", signing_key=st
            ),
            3,
        ),
        (lambda st: make_capsule(st, media=[]), 4),
        (lambda st: _damaged(make_capsule(st)), 5),
    ],
    ids=["no-container", "no-payload", "no-media", "damaged"],
)
def test_unreadable_containers_are_invalid_with_their_code(api, service_user, build, code):
    token = service_user.access_token
    session_token = api.get_session_token(access_token=token)
    with pytest.raises(InvalidContainer) as raised:
        api.analyze_capsule(build(session_token), access_token=token)
    assert raised.value.oz_error_code == code


def test_garbage_is_rejected_with_code_14(api, service_user):
    with pytest.raises(ContainerRejected):
        api.analyze_capsule(b"\x00\xffnot a container", access_token=service_user.access_token)


# --- face matching ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "resolution"),
    [("alice", "SUCCESS"), ("bob", "DECLINED"), (None, "FAILED")],
)
def test_match_faces_multipart(api, oz, service_user, reference, resolution):
    folder = api.match_faces(
        make_face_jpeg("alice"), make_face_jpeg(reference), access_token=service_user.access_token
    )
    assert folder.system_resolution == resolution
    assert folder.analyses_of(BIOMETRY)
    if resolution == "SUCCESS":
        assert folder.similarity is not None
        assert folder.similarity > 0.85
    content_type = oz.requests[-1].headers["Content-Type"]
    assert content_type.startswith("multipart/form-data")


# --- Oz failing -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [6, 7, 8])
def test_auth_failures_are_rejections_with_the_oz_code(api, oz, service_user, code):
    oz.faults.add("/api/authorize/session_token", "auth", error_code=code)
    with pytest.raises(OzAuthRejected) as raised:
        api.get_session_token(access_token=service_user.access_token)
    assert raised.value.oz_error_code == code


def test_missing_token_is_rejected(api):
    with pytest.raises(OzAuthRejected) as raised:
        api.get_session_token(access_token=None)
    assert raised.value.oz_error_code == 6


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_are_upstream_errors(api, oz, status):
    oz.faults.add("/api/version", "status", status=status)
    with pytest.raises(UpstreamError):
        api.version()


def test_503_is_unavailable_with_a_bounded_retry_after(api, oz):
    oz.faults.add("/api/version", "status", status=503, retry_after=3600)
    with pytest.raises(UpstreamUnavailable) as raised:
        api.version()
    assert raised.value.retry_after == 60


@pytest.mark.parametrize("value", ["Wed, 21 Oct 2026 07:28:00 GMT", "\u00b2", "-5", ""])
def test_a_retry_after_that_is_not_whole_seconds_reads_as_five(api, oz, value):
    # "\u00b2" (superscript two) is a digit to str.isdigit() but not to int().
    oz.faults.add("/api/version", "status", status=503, retry_after=value)
    with pytest.raises(UpstreamUnavailable) as raised:
        api.version()
    assert raised.value.retry_after == 5


@pytest.mark.parametrize(
    ("fault", "status"), [({"kind": "html", "status": 200}, 200), ({"kind": "html"}, 502)]
)
def test_html_instead_of_json_is_an_upstream_error(api, oz, fault, status):
    oz.faults.add("/api/version", **fault)
    with pytest.raises(UpstreamError, match=str(status) if status != 200 else "JSON"):
        api.version()


@pytest.mark.parametrize("kind", ["malformed_json", "truncated_json"])
def test_unparseable_bodies_are_upstream_errors(api, oz, kind):
    oz.faults.add("/api/version", kind)
    with pytest.raises(UpstreamError, match="JSON"):
        api.version()


def test_slow_oz_is_a_timeout(oz):
    api = OzApi(oz.url, connect_timeout=1, read_timeout=0.2)
    oz.faults.add("/api/version", "latency", seconds=1.0)
    with pytest.raises(UpstreamTimeout):
        api.version()


def test_capsule_is_never_resent_after_a_reset_mid_response(api, oz, service_user):
    token = service_user.access_token
    capsule = make_capsule(api.get_session_token(access_token=token))
    oz.clear_requests()
    oz.faults.add("/api/instant/folders/", "reset", when="mid")
    with pytest.raises(UpstreamError):
        api.analyze_capsule(capsule, access_token=token)
    assert len([r for r in oz.requests if r.path == "/api/instant/folders/"]) == 1


def test_unreachable_oz_is_unavailable_after_one_retry():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = OzApi(f"http://127.0.0.1:{port}", connect_timeout=1, read_timeout=1)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as raised:
        api.version()
    assert raised.value.retry_after == 5
    assert time.monotonic() - started < 2


def test_no_token_header_is_sent_without_a_token(api, oz):
    api.version()
    assert "X-Forensic-Access-Token" not in oz.requests[-1].headers

"""The /_emulator/ control surface (the Oz emulator's handlers), for another process."""

from __future__ import annotations

from datazoo_http import VERIFY

from datazoo_emulator import DEFAULT_PASSWORD


def test_config_has_the_options_but_no_password(dz, emulator):
    body = dz.http.get(emulator.url + "/_emulator/config", timeout=5).json()
    assert body["options"]["username"] == "datazoo-emulator"
    assert body["options"]["token_ttl"] == 8 * 3600
    assert "password" not in body["options"]
    assert DEFAULT_PASSWORD not in str(body)


def test_faults_over_http(dz, emulator):
    token = dz.token()
    added = dz.http.post(
        emulator.url + "/_emulator/faults",
        json={"path": VERIFY, "kind": "status", "status": 502},
        timeout=5,
    )
    assert added.status_code == 201
    assert dz.verify(token).status_code == 502
    invalid = dz.http.post(
        emulator.url + "/_emulator/faults", json={"path": VERIFY, "kind": "nope"}, timeout=5
    )
    assert invalid.status_code == 400


def test_requests_clock_and_reset_over_http(dz, emulator):
    token = dz.token()
    listed = dz.http.get(emulator.url + "/_emulator/requests", timeout=5).json()["requests"]
    assert listed[0]["json_body"]["data"]["password"] == "<redacted>"
    dz.http.post(emulator.url + "/_emulator/clock", json={"advance": 8 * 3600}, timeout=5)
    assert dz.verify(token).status_code == 401
    dz.http.post(emulator.url + "/_emulator/reset", json={"state": True}, timeout=5)
    assert emulator.clock.offset == 0
    assert emulator.requests == []
    assert emulator.minted_tokens() == []
    assert dz.verify(token).status_code == 200  # tokens stay valid, as Data Zoo's do

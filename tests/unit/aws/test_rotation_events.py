"""The rotation event Secrets Manager sends (the steps themselves: tests/integration)."""

import json

import pytest

from idv.oz.rotation import RotationError, RotationEvent
from support import load_event


@pytest.mark.parametrize("step", ["create_secret", "set_secret", "test_secret", "finish_secret"])
def test_each_rotation_event_file_parses(step):
    event = RotationEvent.from_event(load_event(f"rotation/{step}.json"))
    assert event.step == step.replace("_s", "S")
    assert event.secret_id.startswith("arn:aws:secretsmanager:")
    assert event.token == "6f3c1c1e-2b7a-4c8e-9d41-5a0e8b7f2c13"
    assert event.rotation_token


def test_the_rotation_token_is_never_in_repr_or_log_keys():
    raw = load_event("rotation/create_secret.json")
    event = RotationEvent.from_event(raw)
    assert raw["RotationToken"] not in repr(event)
    assert raw["RotationToken"] not in json.dumps(event.log_keys())


def test_the_rotation_token_is_optional():
    raw = load_event("rotation/create_secret.json")
    del raw["RotationToken"]
    assert RotationEvent.from_event(raw).rotation_token is None


@pytest.mark.parametrize("key", ["Step", "SecretId", "ClientRequestToken"])
def test_an_event_without_a_required_key_is_refused_by_name(key):
    raw = load_event("rotation/create_secret.json")
    raw[key] = ""
    with pytest.raises(RotationError, match=key):
        RotationEvent.from_event(raw)

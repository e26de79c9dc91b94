"""The token source against moto Secrets Manager; Oz is played by a callable."""

import json

import pytest

from idv.errors import ConfigurationError, OzAuthRejected
from idv.oz.service_token import OzTokenSource, ServiceToken

SECRET = "stack/oz-service-token"


def value(token: str) -> str:
    return json.dumps(
        {
            "access_token": token,
            "expire_token": f"expire-{token}",
            "user_id": "u-1",
            "expire_date": 1.9e9,
            "api_version": "6",
        }
    )


class Oz:
    """Accepts only the tokens in ``valid``; records every token it was shown."""

    def __init__(self, *valid: str) -> None:
        self.valid = set(valid)
        self.seen: list[str | None] = []

    def __call__(self, token: str | None) -> str:
        self.seen.append(token)
        if token not in self.valid:
            raise OzAuthRejected("rejected", oz_error_code=7)
        return f"ok with {token}"


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def secret(secretsmanager):
    secretsmanager.create_secret(Name=SECRET, SecretString=value("old"))
    return secretsmanager


def rotate_to_pending(client, token: str) -> None:
    client.put_secret_value(
        SecretId=SECRET,
        ClientRequestToken="v2" * 16,
        SecretString=value(token),
        VersionStages=["AWSPENDING"],
    )


def test_secret_json_is_parsed_and_repr_hides_tokens():
    token = ServiceToken.from_secret(value("abc"))
    assert (token.access_token, token.expire_token, token.user_id) == ("abc", "expire-abc", "u-1")
    assert "abc" not in repr(token)
    assert ServiceToken.from_secret(token.to_secret()) == token


@pytest.mark.parametrize("text", ["not json", "[]", "{}", '{"access_token": ""}'])
def test_malformed_secret_is_a_configuration_error(text):
    with pytest.raises(ConfigurationError):
        ServiceToken.from_secret(text)


def test_no_secret_configured_sends_no_token():
    oz = Oz(None)  # an Instant deployment without Oz auth
    assert OzTokenSource(None, max_age=300).call(oz) == "ok with None"
    assert oz.seen == [None]


def test_cached_token_is_used(secret):
    oz = Oz("old")
    source = OzTokenSource(SECRET, max_age=300)
    assert source.call(oz) == "ok with old"
    assert source.call(oz) == "ok with old"
    assert oz.seen == ["old", "old"]


def test_rejection_re_reads_awscurrent_and_retries_once(secret):
    source = OzTokenSource(SECRET, max_age=300)
    assert source.current().access_token == "old"  # now cached
    secret.put_secret_value(SecretId=SECRET, SecretString=value("new"))  # rotation finished
    oz = Oz("new")
    assert source.call(oz) == "ok with new"
    assert oz.seen == ["old", "new"]
    assert source.call(oz) == "ok with new"  # the forced read refreshed the cache
    assert oz.seen == ["old", "new", "new"]


def test_rejection_mid_rotation_falls_back_to_awspending(secret):
    source = OzTokenSource(SECRET, max_age=300, clock=Clock())
    rotate_to_pending(secret, "pending")  # Oz already deleted "old" at the first use of it
    oz = Oz("pending")
    assert source.call(oz) == "ok with pending"
    assert oz.seen == ["old", "pending"]
    # The working pending token is preferred: no second rejected call per request.
    assert source.call(oz) == "ok with pending"
    assert oz.seen == ["old", "pending", "pending"]


def test_preferred_pending_token_expires_with_the_cache_age(secret):
    clock = Clock()
    source = OzTokenSource(SECRET, max_age=60, clock=clock)
    rotate_to_pending(secret, "pending")
    source.call(Oz("pending"))
    clock.now = 61
    assert source.current().access_token == "old"


def test_rejected_again_after_re_reading_is_raised(secret):
    source = OzTokenSource(SECRET, max_age=300)
    rotate_to_pending(secret, "also-bad")
    oz = Oz()
    with pytest.raises(OzAuthRejected):
        source.call(oz)
    assert oz.seen == ["old", "also-bad"]  # exactly one retry


def test_no_other_version_means_no_retry(secret):
    oz = Oz()
    with pytest.raises(OzAuthRejected):
        OzTokenSource(SECRET, max_age=300).call(oz)
    assert oz.seen == ["old"]


def test_missing_secret_is_a_configuration_error(secretsmanager):
    with pytest.raises(ConfigurationError, match="could not be read"):
        OzTokenSource("no/such/secret", max_age=300).call(Oz("x"))


def test_other_errors_are_not_retried(secret):
    calls = []

    def failing(token):
        calls.append(token)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        OzTokenSource(SECRET, max_age=300).call(failing)
    assert calls == ["old"]

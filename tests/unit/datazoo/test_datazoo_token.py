"""The Data Zoo token secret and its source against moto Secrets Manager; Data Zoo is played by a
callable (the emulator plays it in tests/integration)."""

import json

import pytest

from idv.datazoo.client import SessionGrant
from idv.datazoo.token import DataZooToken, DataZooTokenSource
from idv.errors import ConfigurationError, DataZooAuthRejected

SECRET = "stack/datazoo-session-token"
NOW = 1_800_000_000.0


def value(token: str, expires_at: float | None = NOW + 3600) -> str:
    return DataZooToken(f"Bearer {token}", expires_at, NOW - 3600).to_secret()


class DataZoo:
    """Accepts only the tokens in ``valid``; records every Authorization it was shown."""

    def __init__(self, *valid: str) -> None:
        self.valid = {f"Bearer {token}" for token in valid}
        self.seen: list[str | None] = []

    def __call__(self, authorization: str | None) -> str:
        self.seen.append(authorization)
        if authorization not in self.valid:
            raise DataZooAuthRejected("Data Zoo rejected the session token")
        return "ok"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def secret(secretsmanager):
    secretsmanager.create_secret(Name=SECRET, SecretString=value("old"))
    return secretsmanager


def source(**kwargs) -> DataZooTokenSource:
    kwargs.setdefault("wall_clock", Clock(NOW))
    return DataZooTokenSource(SECRET, max_age=300, **kwargs)


# --- the secret ---------------------------------------------------------------------------


def test_secret_json_round_trips_and_repr_hides_the_token():
    token = DataZooToken.from_secret(value("abc"))
    assert token.session_token == "Bearer abc"
    assert (token.expires_at, token.issued_at) == (NOW + 3600, NOW - 3600)
    assert "abc" not in repr(token)
    assert DataZooToken.from_secret(token.to_secret()) == token


def test_a_grant_becomes_the_secret_value():
    grant = SessionGrant("Bearer xyz", expires_at=NOW + 10, issued_at=NOW)
    assert json.loads(DataZooToken.from_grant(grant).to_secret()) == {
        "session_token": "Bearer xyz",
        "expires_at": NOW + 10,
        "issued_at": NOW,
    }


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", "{}", '{"session_token": ""}', '{"session_token": "eyJ-without-bearer"}'],
)
def test_a_malformed_secret_or_the_placeholder_is_a_configuration_error(text):
    with pytest.raises(ConfigurationError, match="Data Zoo token secret"):
        DataZooToken.from_secret(text)


def test_seconds_left_follow_exp():
    assert DataZooToken("Bearer a", NOW + 90).seconds_left(NOW) == 90
    assert DataZooToken("Bearer a", None).seconds_left(NOW) is None


# --- the source ---------------------------------------------------------------------------


def test_the_cached_token_is_sent_verbatim(secret):
    datazoo = DataZoo("old")
    reader = source()
    assert reader.call(datazoo) == "ok"
    assert reader.call(datazoo) == "ok"
    assert datazoo.seen == ["Bearer old", "Bearer old"]


def test_a_rejection_re_reads_awscurrent_and_retries_once(secret):
    reader = source()
    reader.current()  # cached
    secret.put_secret_value(SecretId=SECRET, SecretString=value("new"))  # rotation finished
    datazoo = DataZoo("new")
    assert reader.call(datazoo) == "ok"
    assert datazoo.seen == ["Bearer old", "Bearer new"]


def test_a_rejection_mid_rotation_falls_back_to_awspending(secret):
    reader = source()
    secret.put_secret_value(
        SecretId=SECRET,
        ClientRequestToken="p" * 32,
        SecretString=value("pending"),
        VersionStages=["AWSPENDING"],
    )
    datazoo = DataZoo("pending")
    assert reader.call(datazoo) == "ok"
    assert reader.call(datazoo) == "ok"  # the working pending token is preferred meanwhile
    assert datazoo.seen == ["Bearer old", "Bearer pending", "Bearer pending"]


def test_a_cached_token_past_its_exp_is_re_read_before_it_is_sent(secret):
    wall = Clock(NOW)
    reader = source(wall_clock=wall)
    reader.current()  # cached
    secret.put_secret_value(SecretId=SECRET, SecretString=value("new", NOW + 9 * 3600))
    wall.now = NOW + 3600  # the cached token's exp
    datazoo = DataZoo("new")
    assert reader.call(datazoo) == "ok"
    assert datazoo.seen == ["Bearer new"]  # no call wasted on the expired one


def test_an_expired_token_with_nothing_newer_is_still_tried_then_raised(secret):
    reader = source(wall_clock=Clock(NOW + 7200))
    datazoo = DataZoo()
    with pytest.raises(DataZooAuthRejected):
        reader.call(datazoo)
    assert datazoo.seen == ["Bearer old"]  # no other version: no retry


def test_rejected_again_after_re_reading_is_raised_after_one_retry(secret):
    reader = source()
    reader.current()  # caches "old"
    secret.put_secret_value(SecretId=SECRET, SecretString=value("also-bad"))
    datazoo = DataZoo()
    with pytest.raises(DataZooAuthRejected):
        reader.call(datazoo)
    assert datazoo.seen == ["Bearer old", "Bearer also-bad"]


def test_a_token_without_exp_is_never_called_expired(secretsmanager):
    secretsmanager.create_secret(Name=SECRET, SecretString=value("opaque", None))
    reader = source(wall_clock=Clock(NOW + 10**9))
    assert reader.call(DataZoo("opaque")) == "ok"


# --- falling back past AWSCURRENT ---------------------------------------------------------


def rotate_to(client, token: str, **changes) -> None:
    """What a finished rotation leaves: the new version AWSCURRENT and AWSPENDING, the one it
    replaced AWSPREVIOUS."""
    old = client.describe_secret(SecretId=SECRET)["VersionIdsToStages"]
    [current] = [v for v, stages in old.items() if "AWSCURRENT" in stages]
    client.put_secret_value(
        SecretId=SECRET,
        ClientRequestToken="n" * 32,
        SecretString=value(token, **changes),
        VersionStages=["AWSPENDING"],
    )
    client.update_secret_version_stage(
        SecretId=SECRET,
        VersionStage="AWSCURRENT",
        MoveToVersionId="n" * 32,
        RemoveFromVersionId=current,
    )


def test_a_refused_new_token_falls_back_to_awsprevious(secret):
    rotate_to(secret, "refused")
    datazoo = DataZoo("old")  # the previous token is still within its exp
    reader = source()
    assert reader.call(datazoo) == "ok"
    assert reader.call(datazoo) == "ok"  # preferred meanwhile: no second rejection
    assert datazoo.seen == ["Bearer refused", "Bearer old", "Bearer old"]


def test_awspending_is_tried_before_awsprevious(secret):
    secret.put_secret_value(SecretId=SECRET, SecretString=value("refused"))  # old -> PREVIOUS
    secret.put_secret_value(
        SecretId=SECRET,
        ClientRequestToken="p" * 32,
        SecretString=value("pending"),
        VersionStages=["AWSPENDING"],
    )
    datazoo = DataZoo("pending", "old")
    assert source().call(datazoo) == "ok"
    assert datazoo.seen == ["Bearer refused", "Bearer pending"]


def test_an_expired_previous_token_is_not_tried(secret):
    secret.put_secret_value(SecretId=SECRET, SecretString=value("stale", NOW - 1))
    rotate_to(secret, "refused")  # AWSPREVIOUS: "stale", past its exp
    datazoo = DataZoo("stale")
    with pytest.raises(DataZooAuthRejected):
        source().call(datazoo)
    assert datazoo.seen == ["Bearer refused"]


def test_a_placeholder_as_awsprevious_is_skipped(secretsmanager):
    # The first rotation after deploy leaves the template's placeholder as AWSPREVIOUS.
    secretsmanager.create_secret(Name=SECRET, SecretString='{"session_token": ""}')
    secretsmanager.put_secret_value(SecretId=SECRET, SecretString=value("refused"))
    datazoo = DataZoo()
    with pytest.raises(DataZooAuthRejected):
        source().call(datazoo)
    assert datazoo.seen == ["Bearer refused"]

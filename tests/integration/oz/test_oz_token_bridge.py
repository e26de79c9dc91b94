"""The token source keeps Oz calls working while the token rotates (emulator + moto)."""

from __future__ import annotations

import json

import pytest

from idv.errors import OzAuthRejected
from idv.oz.service_token import OzTokenSource

TOKEN_SECRET = "oz-liveness/oz-service-token"  # as the `deployed` fixture names it


def put_pending(secretsmanager, access_token: str, expire_token: str) -> None:
    secretsmanager.put_secret_value(
        SecretId=TOKEN_SECRET,
        ClientRequestToken="b" * 32,
        SecretString=json.dumps({"access_token": access_token, "expire_token": expire_token}),
        VersionStages=["AWSPENDING"],
    )


def test_cached_old_token_falls_back_to_awspending_after_oz_deleted_it(api, deployed, service_user):
    # Given a warm instance that cached the current token
    source = OzTokenSource(TOKEN_SECRET, max_age=300)
    assert source.call(lambda t: api.get_session_token(access_token=t))
    # When a rotation stores a refreshed pair as AWSPENDING and tests it (Oz deletes the old pair)
    new = api.refresh(service_user.access_token, service_user.expire_token)
    put_pending(deployed, new.access_token, new.expire_token)
    api.get_user(service_user.user_id, access_token=new.access_token)
    # Then the next call is rejected once, re-reads the secret and succeeds with AWSPENDING
    assert source.call(lambda t: api.get_session_token(access_token=t))
    assert source.current().access_token == new.access_token


def test_finished_rotation_is_picked_up_from_awscurrent(api, deployed, service_user):
    source = OzTokenSource(TOKEN_SECRET, max_age=300)
    source.current()
    new = api.refresh(service_user.access_token, service_user.expire_token)
    deployed.put_secret_value(
        SecretId=TOKEN_SECRET,
        SecretString=json.dumps(
            {"access_token": new.access_token, "expire_token": new.expire_token}
        ),
    )
    api.get_user(service_user.user_id, access_token=new.access_token)  # old pair deleted
    assert source.call(lambda t: api.get_user(service_user.user_id, access_token=t)).user_id


def test_a_wrong_token_everywhere_is_raised_after_one_retry(api, oz, deployed):
    put_pending(deployed, "not-a-token", "nope")
    deployed.put_secret_value(
        SecretId=TOKEN_SECRET, SecretString=json.dumps({"access_token": "also-wrong"})
    )
    source = OzTokenSource(TOKEN_SECRET, max_age=300)
    oz.clear_requests()
    with pytest.raises(OzAuthRejected):
        source.call(lambda t: api.get_session_token(access_token=t))
    assert len(oz.requests) == 2

"""The token source keeps Oz calls working while the token rotates (emulator + moto)."""

from __future__ import annotations

import json
import logging

import pytest

from idv.errors import OzAuthRejected
from idv.oz.service_token import OzTokenSource
from support import emf_documents

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


# ---------------------------------------------------------------- the operator's signal


def fallbacks(capsys) -> list[dict]:
    """The Secrets.*Fallback metrics written so far."""
    documents = emf_documents(capsys.readouterr().out)
    return [d for d in documents if d["name"].startswith("Secrets.")]


def test_a_fallback_to_awspending_emits_a_metric_and_a_warning(
    api, deployed, service_user, capsys, caplog
):
    source = OzTokenSource(TOKEN_SECRET, max_age=300)
    source.current()
    new = api.refresh(service_user.access_token, service_user.expire_token)
    put_pending(deployed, new.access_token, new.expire_token)
    api.get_user(service_user.user_id, access_token=new.access_token)  # testSecret's first use
    capsys.readouterr()
    caplog.set_level(logging.INFO)

    assert source.call(lambda t: api.get_session_token(access_token=t))

    [metric] = fallbacks(capsys)
    assert metric["namespace"] == "OzLivenessTest"  # POWERTOOLS_METRICS_NAMESPACE
    assert (metric["name"], metric["value"]) == ("Secrets.PendingFallback", [1.0])
    assert metric["dimensions"]["upstream"] == "Oz"
    [line] = [r for r in caplog.records if r.getMessage().startswith("Oz refused AWSCURRENT")]
    assert line.levelname == "WARNING"
    assert line.getMessage() == "Oz refused AWSCURRENT; falling back to AWSPENDING"
    assert line.secret_stage == "AWSPENDING"
    # The pending token is preferred meanwhile: the next call neither fails nor counts again.
    assert source.call(lambda t: api.get_session_token(access_token=t))
    assert fallbacks(capsys) == []


def test_a_rotation_already_finished_is_no_fallback(api, deployed, service_user, capsys):
    source = OzTokenSource(TOKEN_SECRET, max_age=300)
    source.current()
    new = api.refresh(service_user.access_token, service_user.expire_token)
    deployed.put_secret_value(
        SecretId=TOKEN_SECRET,
        SecretString=json.dumps({"access_token": new.access_token}),
    )
    api.get_user(service_user.user_id, access_token=new.access_token)
    capsys.readouterr()
    assert source.call(lambda t: api.get_session_token(access_token=t))
    assert fallbacks(capsys) == []  # re-reading AWSCURRENT was enough


def test_oz_readers_never_fall_back_to_awsprevious(api, oz, deployed, service_user):
    # AWSPREVIOUS can hold a token Oz still takes (the one a bootstrap --replace superseded);
    # an Oz reader still does not use it: after a rotation the previous pair is deleted in Oz.
    deployed.put_secret_value(
        SecretId=TOKEN_SECRET, SecretString=json.dumps({"access_token": "not-a-token"})
    )
    source = OzTokenSource(TOKEN_SECRET, max_age=300)
    oz.clear_requests()
    with pytest.raises(OzAuthRejected):
        source.call(lambda t: api.get_session_token(access_token=t))
    assert len(oz.requests) == 1

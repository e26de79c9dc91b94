"""Which region the bootstrap's Secrets Manager client uses: AWS_REGION first, as the AWS CLI."""

import io
import json

import boto3
import pytest
from moto import mock_aws

from tools import bootstrap
from tools.bootstrap import secrets_client


@pytest.fixture(autouse=True)
def no_aws_config(monkeypatch, tmp_path):
    # Nothing from the developer's profile decides the region here.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def test_aws_region_alone_names_the_region(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-2")

    assert secrets_client().meta.region_name == "eu-west-2"


def test_aws_region_wins_over_aws_default_region(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    assert secrets_client().meta.region_name == "ap-southeast-2"


def test_aws_default_region_alone_still_works(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")

    assert secrets_client().meta.region_name == "us-west-2"


def test_the_command_writes_the_secret_in_the_aws_region(monkeypatch):
    # Given only AWS_REGION, as `AWS_REGION=eu-west-2 make bootstrap ...` sets it
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    err = io.StringIO()
    with mock_aws():
        # When a token is stored (no Oz call: --no-verify)
        code = bootstrap.main(
            [
                "--oz-url", "https://oz.example", "--secret-id", "oz/token",
                "--store-existing", "--user-id", "u-1", "--no-verify",
            ],
            stdin=io.StringIO("token-value\n"),
            stderr=err,
        )  # fmt: skip
        # Then it is in that region's Secrets Manager
        client = boto3.client("secretsmanager", region_name="eu-west-2")
        stored = json.loads(client.get_secret_value(SecretId="oz/token")["SecretString"])
    assert code == 0, err.getvalue()
    assert stored["access_token"] == "token-value"

"""The bootstrap's pure parts: reading a token the team has, and naming a failed step."""

import pytest
from botocore.exceptions import ClientError

from idv.errors import OzAuthRejected, UpstreamRequestRefused, UpstreamUnavailable
from tools.provisioning import StepFailed, existing_token, step


def test_a_bare_token_gets_the_user_id_and_api_version_given():
    token = existing_token("tok-123\n", user_id="u-1", api_version=5)
    assert (token.access_token, token.user_id, token.api_version) == ("tok-123", "u-1", "5")
    assert token.expire_token is None


def test_json_keeps_its_own_fields_and_fills_the_missing_ones():
    token = existing_token(
        '{"access_token": "a", "expire_token": "e", "user_id": "u-9"}', user_id="u-1", api_version=6
    )
    assert (token.access_token, token.expire_token, token.user_id, token.api_version) == (
        "a",
        "e",
        "u-9",
        "6",
    )


@pytest.mark.parametrize("text", ["", "   \n", "two words", '{"expire_token": "e"}'])
def test_stdin_without_a_token_fails_the_read_step(text):
    with pytest.raises(StepFailed) as raised:
        existing_token(text, user_id=None, api_version=6)
    assert raised.value.step == "read the token"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            OzAuthRejected("x", oz_error_code=7),
            "Oz rejected the credentials or token (error_code 7",
        ),
        (UpstreamUnavailable("x"), "Oz could not be reached: check --oz-url and that Oz is up"),
        (UpstreamRequestRefused("Oz API refused the request (400)", oz_error_code=4), "(400)"),
    ],
)
def test_errors_inside_a_step_name_it(error, reason):
    with pytest.raises(StepFailed) as raised, step("sign in as admin"):
        raise error
    assert raised.value.step == "sign in as admin"
    assert reason in raised.value.reason


def test_other_exceptions_pass_through_a_step():
    with pytest.raises(KeyError), step("anything"):
        raise KeyError("a bug, not a step failure")


def test_a_refused_secret_read_names_the_operator_role():
    # Given the token secret's resource policy denies this principal GetSecretValue
    denied = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "explicit deny"}}, "GetSecretValue"
    )
    # When the bootstrap's first step meets it
    with pytest.raises(StepFailed) as raised, step("check the secret"):
        raise denied
    # Then the failure says which principal may read it
    assert raised.value.step == "check the secret"
    assert "AccessDeniedException: explicit deny" in raised.value.reason
    assert "OperatorRoleArn" in raised.value.reason


def test_other_secrets_manager_errors_are_named_as_they_are():
    missing = ClientError(
        {"Error": {"Code": "InvalidRequestException", "Message": "marked for deletion"}},
        "PutSecretValue",
    )
    with pytest.raises(StepFailed) as raised, step("write the token secret"):
        raise missing
    assert raised.value.reason == "Secrets Manager: InvalidRequestException: marked for deletion"

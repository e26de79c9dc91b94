"""The bootstrap's pure parts: reading a token the team has, and naming a failed step."""

import pytest

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

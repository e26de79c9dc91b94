"""The fallback credentials secret's shape (proving tokens: tests/integration)."""

import json

import pytest

from idv.oz.service_account import CredentialsInvalid, ServiceCredentials


def test_credentials_round_trip_and_hide_the_password():
    credentials = ServiceCredentials("svc@example.com", "pw-very-secret-123", "u-1", "6")
    assert ServiceCredentials.from_secret(credentials.to_secret()) == credentials
    assert "pw-very-secret-123" not in repr(credentials)
    assert json.loads(credentials.to_secret()) == {
        "email": "svc@example.com",
        "password": "pw-very-secret-123",
        "user_id": "u-1",
        "api_version": "6",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "has no value"),
        ("not json", "not a JSON object"),
        ("[1, 2]", "not a JSON object"),
        ('{"email": "svc@example.com"}', "lacks email or password"),
        ('{"email": "", "password": "x"}', "lacks email or password"),
    ],
)
def test_malformed_credentials_are_refused_without_quoting_them(text, message):
    with pytest.raises(CredentialsInvalid, match=message) as raised:
        ServiceCredentials.from_secret(text)
    assert "svc@example.com" not in str(raised.value)

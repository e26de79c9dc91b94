"""The Data Zoo settings: optional for every function but identity-verify and its rotation."""

import pytest

from oz_client.errors import ConfigurationError
from oz_client.kyc_runtime import build_kyc_services
from oz_client.settings import load_settings

BASE = {"OZ_API_URL": "https://oz.example.com"}


def test_without_data_zoo_settings_the_oz_functions_are_unaffected():
    settings = load_settings(BASE)
    assert settings.datazoo_api_url is None
    assert settings.datazoo_token_secret_id is None
    assert settings.datazoo_credentials_secret_id is None
    assert (settings.datazoo_connect_timeout, settings.datazoo_read_timeout) == (3.05, 25.0)


def test_data_zoo_settings_are_read_and_the_url_normalised():
    settings = load_settings(
        {
            **BASE,
            "DATAZOO_API_URL": "https://idu-test.datazoo.com/api/v2/",
            "DATAZOO_TOKEN_SECRET_ID": "stack/datazoo-session-token",
            "DATAZOO_CREDENTIALS_SECRET_ID": "stack/datazoo-credentials",
            "DATAZOO_READ_TIMEOUT_SECONDS": "12",
        }
    )
    assert settings.datazoo_api_url == "https://idu-test.datazoo.com/api/v2"
    assert settings.datazoo_token_secret_id == "stack/datazoo-session-token"
    assert settings.datazoo_credentials_secret_id == "stack/datazoo-credentials"
    assert settings.datazoo_read_timeout == 12.0


def test_an_http_data_zoo_url_needs_the_same_local_flag_as_oz():
    with pytest.raises(ConfigurationError, match="DATAZOO_API_URL uses http://"):
        load_settings({**BASE, "DATAZOO_API_URL": "http://127.0.0.1:8082/api/v2"})
    settings = load_settings(
        {
            **BASE,
            "DATAZOO_API_URL": "http://127.0.0.1:8082/api/v2",
            "OZ_ALLOW_INSECURE_HTTP": "true",
        }
    )
    assert settings.datazoo_api_url == "http://127.0.0.1:8082/api/v2"


@pytest.mark.parametrize("url", ["idu.datazoo.com", "ftp://idu.datazoo.com", "https://x/?a=1"])
def test_a_malformed_data_zoo_url_is_refused(url):
    with pytest.raises(ConfigurationError, match="DATAZOO_API_URL"):
        load_settings({**BASE, "DATAZOO_API_URL": url})


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATAZOO_READ_TIMEOUT_SECONDS", "soon"), ("DATAZOO_CONNECT_TIMEOUT_SECONDS", "0")],
)
def test_malformed_timeouts_are_named(name, value):
    with pytest.raises(ConfigurationError, match=name):
        load_settings({**BASE, name: value})


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({}, "DATAZOO_API_URL"),
        ({"DATAZOO_API_URL": "https://idu.datazoo.com/api/v2"}, "DATAZOO_TOKEN_SECRET_ID"),
    ],
)
def test_the_identity_function_needs_url_and_token_secret(environ, missing):
    with pytest.raises(ConfigurationError, match=f"{missing} is not set"):
        build_kyc_services(load_settings({**BASE, **environ}))

import pytest

from oz_client.errors import ConfigurationError
from oz_client.settings import DEFAULT_MAX_CAPSULE_BYTES, load_settings

BASE = {"OZ_API_URL": "https://oz.example.com/"}


def test_defaults_are_applied_and_url_is_normalised():
    settings = load_settings(BASE)
    assert settings.oz_api_url == "https://oz.example.com"
    assert settings.oz_token_secret_id is None
    assert settings.receipt_ttl_seconds == 600
    assert settings.max_capsule_bytes == DEFAULT_MAX_CAPSULE_BYTES
    assert settings.oz_connect_timeout == 3.05
    assert settings.oz_read_timeout == 25.0
    assert settings.allow_insecure_http is False
    assert settings.secrets_max_age == 300


def test_default_capsule_limit_fits_a_synchronous_lambda_event():
    # 6 MB event limit; the body is base64 inside it; leave room for headers and context.
    base64_size = 4 * -(-DEFAULT_MAX_CAPSULE_BYTES // 3)
    assert base64_size + 64 * 1024 < 6 * 1024 * 1024


def test_missing_url_names_the_variable():
    with pytest.raises(ConfigurationError, match="OZ_API_URL is not set"):
        load_settings({})


def test_http_url_is_refused_unless_insecure_is_allowed():
    with pytest.raises(ConfigurationError, match="OZ_ALLOW_INSECURE_HTTP"):
        load_settings({"OZ_API_URL": "http://127.0.0.1:8081"})
    settings = load_settings(
        {"OZ_API_URL": "http://127.0.0.1:8081", "OZ_ALLOW_INSECURE_HTTP": "true"}
    )
    assert settings.allow_insecure_http is True


@pytest.mark.parametrize(
    "url", ["oz.example.com", "ftp://oz.example.com", "https://", "https://oz?x=1"]
)
def test_malformed_url_is_refused(url):
    with pytest.raises(ConfigurationError, match="OZ_API_URL"):
        load_settings({"OZ_API_URL": url})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RECEIPT_TTL_SECONDS", "ten"),
        ("RECEIPT_TTL_SECONDS", "5"),
        ("MAX_CAPSULE_BYTES", "-1"),
        ("OZ_READ_TIMEOUT_SECONDS", "soon"),
        ("OZ_CONNECT_TIMEOUT_SECONDS", "0.0001"),
        ("OZ_ALLOW_INSECURE_HTTP", "maybe"),
        ("POWERTOOLS_PARAMETERS_MAX_AGE", "1.5"),
    ],
)
def test_malformed_values_name_the_variable_but_not_the_value(name, value):
    with pytest.raises(ConfigurationError) as raised:
        load_settings({**BASE, name: value})
    assert name in raised.value.message
    assert value not in raised.value.message


def test_secret_ids_and_origins_are_read():
    settings = load_settings(
        {
            **BASE,
            "OZ_TOKEN_SECRET_ID": "stack/oz-token",
            "RECEIPT_SECRET_ID": "stack/receipt-key",
            "CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert settings.oz_token_secret_id == "stack/oz-token"
    assert settings.receipt_secret_id == "stack/receipt-key"
    assert settings.cors_allowed_origins == ("https://a.example", "https://b.example")


def test_empty_token_secret_means_no_token():
    assert load_settings({**BASE, "OZ_TOKEN_SECRET_ID": "  "}).oz_token_secret_id is None

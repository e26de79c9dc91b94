"""Each part reads only its own variables: Oz, receipts and the relay's limit, Data Zoo."""

import pytest

from idv.datazoo.calls import DataZooCalls
from idv.datazoo.rotation import DataZooRotator
from idv.datazoo.settings import DataZooSettings
from idv.errors import ConfigurationError
from idv.oz.calls import OzCalls
from idv.oz.rotation import Rotator
from idv.oz.settings import OzSettings
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptTokens
from idv.usecases import check_liveness

OZ = {"OZ_API_URL": "https://oz.example.com/"}
DATAZOO = {"DATAZOO_API_URL": "https://idu-test.datazoo.com/api/v2/"}


# --- Oz ------------------------------------------------------------------------------------


def test_oz_defaults_are_applied_and_the_url_normalised():
    settings = OzSettings.from_environment(OZ)
    assert settings.api_url == "https://oz.example.com"
    assert settings.token_secret_id is None
    assert (settings.connect_timeout, settings.read_timeout) == (3.05, 25.0)
    assert settings.secrets_max_age == 300


def test_the_oz_settings_need_no_data_zoo_or_receipt_variable():
    # Given only OZ_API_URL, every Oz function's own settings are complete.
    assert OzCalls.from_settings(OzSettings.from_environment(OZ)).oz.base_url.endswith(".com")


def test_a_missing_oz_url_names_the_variable():
    with pytest.raises(ConfigurationError, match="OZ_API_URL is not set"):
        OzSettings.from_environment({})


def test_http_oz_url_is_refused_unless_its_insecure_flag_is_set():
    with pytest.raises(ConfigurationError, match="OZ_ALLOW_INSECURE_HTTP"):
        OzSettings.from_environment({"OZ_API_URL": "http://127.0.0.1:8081"})
    local = {"OZ_API_URL": "http://127.0.0.1:8081", "OZ_ALLOW_INSECURE_HTTP": "true"}
    assert OzSettings.from_environment(local).api_url == "http://127.0.0.1:8081"
    # Data Zoo's flag does not open Oz.
    with pytest.raises(ConfigurationError, match="OZ_ALLOW_INSECURE_HTTP"):
        OzSettings.from_environment(
            {"OZ_API_URL": "http://127.0.0.1:8081", "DATAZOO_ALLOW_INSECURE_HTTP": "true"}
        )


@pytest.mark.parametrize(
    "url", ["oz.example.com", "ftp://oz.example.com", "https://", "https://oz?x=1"]
)
def test_a_malformed_oz_url_is_refused(url):
    with pytest.raises(ConfigurationError, match="OZ_API_URL"):
        OzSettings.from_environment({"OZ_API_URL": url})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OZ_READ_TIMEOUT_SECONDS", "soon"),
        ("OZ_CONNECT_TIMEOUT_SECONDS", "0.0001"),
        ("OZ_ALLOW_INSECURE_HTTP", "maybe"),
        ("POWERTOOLS_PARAMETERS_MAX_AGE", "1.5"),
    ],
)
def test_malformed_oz_values_name_the_variable_but_not_the_value(name, value):
    with pytest.raises(ConfigurationError) as raised:
        OzSettings.from_environment({**OZ, name: value})
    assert name in raised.value.message
    assert value not in raised.value.message


def test_an_empty_token_secret_means_no_token():
    assert OzSettings.from_environment({**OZ, "OZ_TOKEN_SECRET_ID": "  "}).token_secret_id is None


def test_the_oz_rotation_reads_its_optional_credentials_secret():
    rotator = Rotator.from_environment({**OZ, "OZ_CREDENTIALS_SECRET_ID": "stack/oz-user"})
    assert rotator.credentials_secret_id == "stack/oz-user"
    assert Rotator.from_environment(OZ).credentials_secret_id is None


# --- receipts and the relay's limit ----------------------------------------------------------


def test_receipts_default_to_five_minutes():
    assert ReceiptTokens.from_environment({}).ttl_seconds == 300


@pytest.mark.parametrize("value", ["ten", "5", "901"])
def test_a_malformed_receipt_lifetime_is_named(value):
    with pytest.raises(ConfigurationError, match="RECEIPT_TTL_SECONDS") as raised:
        ReceiptTokens.from_environment({"RECEIPT_TTL_SECONDS": value})
    assert value not in raised.value.message


def test_a_receipt_without_a_key_secret_is_a_configuration_error():
    receipts = ReceiptTokens.from_environment({})
    with pytest.raises(ConfigurationError, match="RECEIPT_SECRET_ID is not set"):
        receipts.new_claims(folder_id="f", event_session_id=None, subject=None)


def test_the_verification_store_needs_its_table_name():
    with pytest.raises(ConfigurationError, match="VERIFICATIONS_TABLE_NAME is not set"):
        ReceiptStore.from_environment({})
    assert ReceiptStore.from_environment({"VERIFICATIONS_TABLE_NAME": "t"}).table_name == "t"


def test_the_default_capsule_limit_fits_a_synchronous_lambda_event():
    # 6 MB event limit; the body is base64 inside it; leave room for headers and context.
    base64_size = 4 * -(-check_liveness.DEFAULT_MAX_CAPSULE_BYTES // 3)
    assert base64_size + 64 * 1024 < 6 * 1024 * 1024


@pytest.mark.parametrize("value", ["-1", "many", str(10 * 1024 * 1024 + 1)])
def test_a_malformed_capsule_limit_is_named(monkeypatch, value):
    monkeypatch.setenv("MAX_CAPSULE_BYTES", value)
    with pytest.raises(ConfigurationError, match="MAX_CAPSULE_BYTES"):
        check_liveness.max_capsule_bytes()


# --- Data Zoo --------------------------------------------------------------------------------


def test_data_zoo_settings_are_read_and_the_url_normalised():
    settings = DataZooSettings.from_environment({**DATAZOO, "DATAZOO_READ_TIMEOUT_SECONDS": "12"})
    assert settings.api_url == "https://idu-test.datazoo.com/api/v2"
    assert (settings.connect_timeout, settings.read_timeout) == (3.05, 12.0)


def test_the_data_zoo_functions_need_no_oz_variable():
    calls = DataZooCalls.from_environment({**DATAZOO, "DATAZOO_TOKEN_SECRET_ID": "stack/dz"})
    assert calls.tokens.secret_id == "stack/dz"
    rotator = DataZooRotator.from_environment(
        {**DATAZOO, "DATAZOO_CREDENTIALS_SECRET_ID": "stack/dz-credentials"}
    )
    assert rotator.credentials_secret_id == "stack/dz-credentials"


def test_an_http_data_zoo_url_needs_its_own_local_flag():
    local = {"DATAZOO_API_URL": "http://127.0.0.1:8082/api/v2"}
    with pytest.raises(ConfigurationError, match="DATAZOO_ALLOW_INSECURE_HTTP"):
        DataZooSettings.from_environment({**local, "OZ_ALLOW_INSECURE_HTTP": "true"})
    settings = DataZooSettings.from_environment({**local, "DATAZOO_ALLOW_INSECURE_HTTP": "true"})
    assert settings.api_url == "http://127.0.0.1:8082/api/v2"


@pytest.mark.parametrize("url", ["idu.datazoo.com", "ftp://idu.datazoo.com", "https://x/?a=1"])
def test_a_malformed_data_zoo_url_is_refused(url):
    with pytest.raises(ConfigurationError, match="DATAZOO_API_URL"):
        DataZooSettings.from_environment({"DATAZOO_API_URL": url})


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATAZOO_READ_TIMEOUT_SECONDS", "soon"), ("DATAZOO_CONNECT_TIMEOUT_SECONDS", "0")],
)
def test_malformed_data_zoo_timeouts_are_named(name, value):
    with pytest.raises(ConfigurationError, match=name):
        DataZooSettings.from_environment({**DATAZOO, name: value})


@pytest.mark.parametrize(
    ("environ", "missing"),
    [({}, "DATAZOO_API_URL"), (DATAZOO, "DATAZOO_TOKEN_SECRET_ID")],
)
def test_identity_verify_needs_url_and_token_secret(environ, missing):
    with pytest.raises(ConfigurationError, match=f"{missing} is not set"):
        DataZooCalls.from_environment(environ)


def test_the_data_zoo_rotation_needs_its_credentials_secret():
    with pytest.raises(ConfigurationError, match="DATAZOO_CREDENTIALS_SECRET_ID is not set"):
        DataZooRotator.from_environment(DATAZOO)

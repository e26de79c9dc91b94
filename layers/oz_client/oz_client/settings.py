"""Configuration read once from the environment, validated and typed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from oz_client.errors import ConfigurationError

# API Gateway accepts 10 MB, but a synchronous Lambda invocation carries at most 6 MB of event,
# and the body arrives base64-encoded inside it (4/3 larger): about 4.4 MiB of raw body fit.
DEFAULT_MAX_CAPSULE_BYTES = 4_613_734


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated configuration of one function instance."""

    oz_api_url: str
    oz_token_secret_id: str | None
    # Service-user credentials the rotation falls back to when Oz refuses to refresh the token.
    oz_credentials_secret_id: str | None
    receipt_secret_id: str | None
    receipt_ttl_seconds: int
    oz_connect_timeout: float
    oz_read_timeout: float
    max_capsule_bytes: int
    allow_insecure_http: bool
    secrets_max_age: int
    cors_allowed_origins: tuple[str, ...]
    # Data Zoo KYC data checks (identity-verify and its token rotation); None where unused.
    datazoo_api_url: str | None = None
    datazoo_token_secret_id: str | None = None
    # Sign-in credentials: only the Data Zoo token rotation function is given this secret.
    datazoo_credentials_secret_id: str | None = None
    datazoo_connect_timeout: float = 3.05
    datazoo_read_timeout: float = 25.0


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the configuration.

    Raises:
        ConfigurationError: naming the missing or malformed variable (never its value).
    """
    env = os.environ if environ is None else environ
    allow_insecure = _boolean(env, "OZ_ALLOW_INSECURE_HTTP", default=False)
    return Settings(
        oz_api_url=_oz_url(env, allow_insecure),
        oz_token_secret_id=env.get("OZ_TOKEN_SECRET_ID", "").strip() or None,
        oz_credentials_secret_id=env.get("OZ_CREDENTIALS_SECRET_ID", "").strip() or None,
        receipt_secret_id=env.get("RECEIPT_SECRET_ID", "").strip() or None,
        receipt_ttl_seconds=_integer(env, "RECEIPT_TTL_SECONDS", 600, low=30, high=3600),
        oz_connect_timeout=_number(env, "OZ_CONNECT_TIMEOUT_SECONDS", 3.05, low=0.1, high=30),
        oz_read_timeout=_number(env, "OZ_READ_TIMEOUT_SECONDS", 25.0, low=0.1, high=900),
        max_capsule_bytes=_integer(
            env, "MAX_CAPSULE_BYTES", DEFAULT_MAX_CAPSULE_BYTES, low=1, high=10 * 1024 * 1024
        ),
        allow_insecure_http=allow_insecure,
        secrets_max_age=_integer(env, "POWERTOOLS_PARAMETERS_MAX_AGE", 300, low=0, high=86_400),
        cors_allowed_origins=tuple(
            origin.strip()
            for origin in env.get("CORS_ALLOWED_ORIGINS", "").split(",")
            if origin.strip()
        ),
        datazoo_api_url=_base_url(env, "DATAZOO_API_URL", allow_insecure, required=False),
        datazoo_token_secret_id=env.get("DATAZOO_TOKEN_SECRET_ID", "").strip() or None,
        datazoo_credentials_secret_id=(
            env.get("DATAZOO_CREDENTIALS_SECRET_ID", "").strip() or None
        ),
        datazoo_connect_timeout=_number(
            env, "DATAZOO_CONNECT_TIMEOUT_SECONDS", 3.05, low=0.1, high=30
        ),
        datazoo_read_timeout=_number(env, "DATAZOO_READ_TIMEOUT_SECONDS", 25.0, low=0.1, high=900),
    )


def _oz_url(env: Mapping[str, str], allow_insecure: bool) -> str:
    url = _base_url(env, "OZ_API_URL", allow_insecure, required=True)
    assert url is not None
    return url


def _base_url(
    env: Mapping[str, str], name: str, allow_insecure: bool, *, required: bool
) -> str | None:
    """An upstream's base URL: absolute, https unless OZ_ALLOW_INSECURE_HTTP, no query."""
    raw = env.get(name, "").strip()
    if not raw:
        if required:
            raise ConfigurationError(f"{name} is not set")
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ConfigurationError(f"{name} must be an absolute http(s) URL")
    if parts.scheme == "http" and not allow_insecure:
        raise ConfigurationError(
            f"{name} uses http://; set OZ_ALLOW_INSECURE_HTTP=true only for a local emulator"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{name} must not carry a query or fragment")
    return raw.rstrip("/")


def _boolean(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"true", "1", "yes"}:
        return True
    if raw in {"false", "0", "no"}:
        return False
    raise ConfigurationError(f"{name} must be true or false")


def _integer(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}")
    return value


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}")
    return value

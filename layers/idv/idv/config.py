"""Reading a function's configuration from its environment: typed, validated, named in errors.

Each part reads only its own variables (``oz.settings``, ``datazoo.settings``, ``receipts``);
an error names the variable, never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from idv.errors import ConfigurationError

# How long a Powertools secret read is cached (POWERTOOLS_PARAMETERS_MAX_AGE), in seconds.
DEFAULT_SECRETS_MAX_AGE = 300


def base_url(env: Mapping[str, str], name: str, *, insecure_flag: str) -> str:
    """An upstream's base URL: absolute, https unless ``insecure_flag`` is true, no query.

    Raises:
        ConfigurationError: unset or malformed.
    """
    allow_insecure = boolean(env, insecure_flag, default=False)
    raw = env.get(name, "").strip()
    if not raw:
        raise ConfigurationError(f"{name} is not set")
    parts = urlsplit(raw)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ConfigurationError(f"{name} must be an absolute http(s) URL")
    if parts.scheme == "http" and not allow_insecure:
        raise ConfigurationError(
            f"{name} uses http://; set {insecure_flag}=true only for a local emulator"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{name} must not carry a query or fragment")
    return raw.rstrip("/")


def optional(env: Mapping[str, str], name: str) -> str | None:
    """A text setting, None when unset or blank (e.g. a secret id a deployment leaves out)."""
    return env.get(name, "").strip() or None


def required(env: Mapping[str, str], name: str) -> str:
    """A text setting that must be set."""
    value = optional(env, name)
    if value is None:
        raise ConfigurationError(f"{name} is not set")
    return value


def boolean(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"true", "1", "yes"}:
        return True
    if raw in {"false", "0", "no"}:
        return False
    raise ConfigurationError(f"{name} must be true or false")


def integer(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
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


def seconds(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
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


def secrets_max_age(env: Mapping[str, str]) -> int:
    """How long a secret read is cached (Powertools' own variable, validated here)."""
    return integer(
        env, "POWERTOOLS_PARAMETERS_MAX_AGE", DEFAULT_SECRETS_MAX_AGE, low=0, high=86_400
    )

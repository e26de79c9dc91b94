"""The API's guard rails hold for every value the template and samconfig.toml allow: throttling
cannot be switched off, CORS names one real origin, and deployed stacks reach Oz and Data Zoo
over TLS only (test_template.py checks the wiring; this checks the values around it)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfn_yaml import load_template

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_ENVIRONMENTS = ("default", "dev", "prod")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


def overrides(environment: str) -> dict[str, str]:
    """``parameter_overrides`` of ``sam deploy --config-env <environment>``."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    raw = config.get(environment, {}).get("deploy", {}).get("parameters", {})
    items = raw.get("parameter_overrides", [])
    items = items.split() if isinstance(items, str) else items
    return dict(item.split("=", 1) for item in items)


def deployed_value(template: dict[str, Any], environment: str, name: str) -> str | None:
    value = overrides(environment).get(name, template["Parameters"][name].get("Default"))
    return None if value is None else str(value)


@pytest.mark.parametrize("name", ["ThrottlingBurstLimit", "ThrottlingRateLimit"])
def test_throttling_cannot_be_switched_off(template, name):
    # -1 would disable a stage's throttling, 0 would refuse every request.
    parameter = template["Parameters"][name]
    assert parameter["Type"] == "Number"
    assert int(parameter["MinValue"]) >= 1
    for environment in DEPLOY_ENVIRONMENTS:
        assert int(deployed_value(template, environment, name) or 0) >= 1, environment


@pytest.mark.parametrize("environment", DEPLOY_ENVIRONMENTS)
def test_every_environment_allows_one_real_origin(template, environment):
    origin = deployed_value(template, environment, "AllowedOrigins")
    assert origin
    assert re.fullmatch(template["Parameters"]["AllowedOrigins"]["AllowedPattern"], origin)
    assert "*" not in origin


@pytest.mark.parametrize("environment", DEPLOY_ENVIRONMENTS)
def test_every_environment_reaches_its_upstreams_over_tls(template, environment):
    for name in ("OzApiUrl", "DataZooApiUrl"):
        url = deployed_value(template, environment, name)
        assert url is None or url.startswith("https://"), (environment, name)


# Each upstream URL variable, and the flag that alone would let it be http://.
INSECURE_FLAGS = {
    "OZ_API_URL": "OZ_ALLOW_INSECURE_HTTP",
    "DATAZOO_API_URL": "DATAZOO_ALLOW_INSECURE_HTTP",
}


def test_insecure_http_is_no_parameter_and_off_for_every_function(template):
    # Only the local stack (and events/env.local.json for `sam local`) turns either on.
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    assert not set(shared) & set(INSECURE_FLAGS.values())
    functions = {
        name: resource["Properties"]["Environment"]["Variables"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    for url, flag in INSECURE_FLAGS.items():
        reading = {name for name, variables in functions.items() if url in variables}
        assert reading, url
        for name, variables in functions.items():
            # A literal "false" beside the URL; no flag where there is no URL.
            assert variables.get(flag) == ("false" if name in reading else None), (name, flag)
    assert not [p for p in template["Parameters"] if "insecure" in p.lower()]

"""What template.yaml says about the functions the fault matrix drives: timeouts and alarms."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from idv.oz.settings import OzSettings
from support import ROOT

# The functions' Oz timeouts and their function timeout, all scaled by the same factor, keep
# the template's proportions while a suite of timeouts stays fast: 0.2 turns 3.05 + 25 s under
# 29 s into 0.61 + 5 s under 5.8 s.
SCALE = 0.2


def _cfn_yaml() -> ModuleType:
    """tests/template/cfn_yaml.py (importable by name only when that folder is collected)."""
    if "cfn_yaml" in sys.modules:
        return sys.modules["cfn_yaml"]
    spec = importlib.util.spec_from_file_location(
        "cfn_yaml", ROOT / "tests" / "template" / "cfn_yaml.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["cfn_yaml"] = module
    spec.loader.exec_module(module)
    return module


@cache
def _template() -> dict[str, Any]:
    template: dict[str, Any] = _cfn_yaml().load_template(ROOT / "template.yaml")
    return template


@dataclass(frozen=True, slots=True)
class Timeouts:
    """One function's Oz connect/read timeouts and its own timeout, in seconds."""

    connect: float
    read: float
    function: float

    def scaled(self, factor: float = SCALE) -> Timeouts:
        return Timeouts(
            round(self.connect * factor, 3),
            round(self.read * factor, 3),
            round(self.function * factor, 3),
        )


@cache
def template_timeouts(resource: str) -> Timeouts:
    """What template.yaml gives ``resource`` (Globals, then the function; else the defaults)."""
    template = _template()
    defaults = OzSettings.from_environment({"OZ_API_URL": "https://oz.invalid"})
    common = template.get("Globals", {}).get("Function", {})
    properties = template["Resources"][resource]["Properties"]
    env = {
        **common.get("Environment", {}).get("Variables", {}),
        **properties.get("Environment", {}).get("Variables", {}),
    }
    return Timeouts(
        connect=float(env.get("OZ_CONNECT_TIMEOUT_SECONDS", defaults.connect_timeout)),
        read=float(env.get("OZ_READ_TIMEOUT_SECONDS", defaults.read_timeout)),
        # Lambda's default when neither the function nor Globals sets one.
        function=float(properties.get("Timeout", common.get("Timeout", 3))),
    )


@cache
def template_alarms() -> frozenset[tuple[str, str]]:
    """(namespace, metric name) of every CloudWatch alarm template.yaml defines."""
    return frozenset(
        (
            str(resource["Properties"].get("Namespace")),
            str(resource["Properties"].get("MetricName")),
        )
        for resource in _template()["Resources"].values()
        if resource.get("Type") == "AWS::CloudWatch::Alarm"
    )

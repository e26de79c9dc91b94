"""template.yaml as CloudFormation sees it: translated by SAM, and resolved for given conditions.

The SAM translator lives in the SAM CLI's virtualenv (``.venv-sam``), so ``translate`` runs
sam_translate.py with that interpreter. A missing .venv-sam fails the calling test on purpose:
skipping would hide a broken template.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
TRANSLATE = Path(__file__).with_name("sam_translate.py")
NO_VALUE = {"Ref": "AWS::NoValue"}
_REMOVED = object()


def translate(*parameters: str) -> dict[str, Any]:
    """The CloudFormation template SAM makes of template.yaml with ``Name=Value`` parameters."""
    if not SAM_PYTHON.exists():
        pytest.fail(f"{SAM_PYTHON} not found: run `make setup` to install the SAM CLI virtualenv")
    result = subprocess.run(
        [str(SAM_PYTHON), str(TRANSLATE), "template.yaml", *parameters],
        check=False,
        cwd=ROOT,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    template: dict[str, Any] = json.loads(result.stdout)
    return template


def resolve(value: Any, conditions: dict[str, bool]) -> Any:
    """Evaluate Fn::If and drop AWS::NoValue, as CloudFormation does at deploy time."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            return resolve(when_true if conditions[name] else when_false, conditions)
        if value == NO_VALUE:
            return _REMOVED
        resolved = {k: resolve(v, conditions) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _REMOVED}
    if isinstance(value, list):
        items = [resolve(v, conditions) for v in value]
        return [v for v in items if v is not _REMOVED]
    return value

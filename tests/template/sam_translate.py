"""Translate template.yaml with the SAM translator and print the CloudFormation JSON.

Run with the SAM CLI's interpreter (``.venv-sam/bin/python``): samtranslator lives there, not in
the app's virtualenv. Usage: ``sam_translate.py TEMPLATE [Name=Value ...]``.

Like ``sam validate``, it stands in S3 URIs for local code paths (the translator only accepts
those); nothing else is changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class _NoManagedPolicies:
    """The template names no managed policies by name; nothing to look up in IAM."""

    def load(self) -> dict[str, str]:
        return {}


def main(argv: list[str]) -> int:
    template: dict[str, Any] = yaml_parse(Path(argv[1]).read_text())
    parameters = dict(arg.split("=", 1) for arg in argv[2:])
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = "s3://bucket/key"
    print(json.dumps(transform(template, parameters, _NoManagedPolicies())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

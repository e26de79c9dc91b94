"""Read a CloudFormation/SAM YAML template into plain data, short-form tags included.

PyYAML's SafeLoader rejects ``!Ref``, ``!Sub`` and friends; this loader turns each into the
long form CloudFormation itself uses (``{"Ref": ...}``, ``{"Fn::Sub": ...}``), so tests compare
the template with the same shapes SAM and cfn-lint see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that also accepts CloudFormation's short-form intrinsic function tags."""


def _construct(loader: CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


CfnLoader.add_multi_constructor("!", _construct)


def load_template(path: Path) -> dict[str, Any]:
    """The template at ``path`` as plain dicts and lists."""
    data = yaml.load(path.read_text(), Loader=CfnLoader)  # a SafeLoader subclass
    if not isinstance(data, dict):
        raise TypeError(f"{path} is not a YAML mapping")
    return data
